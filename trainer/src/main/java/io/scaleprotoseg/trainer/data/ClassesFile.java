package io.scaleprotoseg.trainer.data;

import io.scaleprotoseg.sdk.ModelCard.ClassInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The text files that name classes and parts in the generic folder format ({@link FolderDataset}).
 *
 * <p><b>classes.txt</b>: one class per line, {@code <id> <name> <#RRGGBB>}, ids 0..C-1 in order;
 * the name is everything between the id and the colour (it may contain spaces). The id and the
 * colour may be left out: a file of bare names, one per line, names classes 0..C-1 in line order,
 * and classes without colours get the generated palette's colour of their id. Every class line of
 * a file has the same form (a name whose first word is a number needs the id form):
 * <pre>
 * sky
 * road
 * traffic sign
 * </pre> An optional line
 * {@code ignore <value>} sets the void label (default 255; 0..65535 and not a class id). Blank lines
 * and lines starting with {@code #} are ignored. Example:
 * <pre>
 * # id name colour
 * ignore 255
 * 0 sky #4682B4
 * 1 road #804080
 * 2 traffic sign #DCDC00
 * </pre>
 *
 * <p><b>parts.txt</b> (optional): one part per line, {@code <id> <name> <class-id>}, ids 1..P in
 * order (0 is "no part" and is not listed); the name may contain spaces. Example:
 * <pre>
 * 1 car body 5
 * 2 car window 5
 * </pre>
 */
public final class ClassesFile {
    /** The class file name in a folder data set root. */
    public static final String CLASSES = "classes.txt";
    /** The part file name in a folder data set root. */
    public static final String PARTS = "parts.txt";
    /** The void label when the classes file does not set one. */
    public static final int DEFAULT_IGNORE = 255;

    private static final Pattern COLOR = Pattern.compile("#[0-9a-fA-F]{6}");

    private ClassesFile() {
    }

    /**
     * Reads a classes file.
     *
     * @throws DatasetException naming the file (and line) when it is missing or malformed
     */
    public static LabelSpace readClasses(Path file) throws DatasetException {
        List<String> lines = readLines(file, "classes file",
                " (one line per class: '<id> <name> <#RRGGBB>', ids 0..C-1, or a bare name; optional 'ignore <value>')");
        List<ClassInfo> classes = new ArrayList<>();
        Integer ignore = null;
        Boolean withIds = null;
        boolean withColors = false;
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = file + " line " + (n + 1) + ": ";
            String[] tokens = line.split("\\s+");
            if (tokens[0].equalsIgnoreCase("ignore")) {
                if (tokens.length != 2) {
                    throw new DatasetException(where + "expected 'ignore <value>', found '" + line + "'");
                }
                if (ignore != null) {
                    throw new DatasetException(where + "the ignore label is set twice");
                }
                ignore = parseInt(tokens[1], where, "ignore label");
                if (ignore < 0 || ignore > 65535) {
                    throw new DatasetException(where + "ignore label " + ignore + " is outside 0..65535");
                }
                continue;
            }
            // forms: '<id> <name> <#RRGGBB>', '<id> <name>' or '<name>'; every class line of a file has the same form
            boolean hasColor = tokens.length >= 2 && tokens[tokens.length - 1].startsWith("#");
            boolean hasId = hasColor || (tokens.length >= 2 && tokens[0].matches("[+-]?\\d+"));
            if (withIds == null) {
                withIds = hasId;
                withColors = hasColor;
            } else if (withIds != hasId) {
                throw new DatasetException(where + (hasId ? "a line with a class id in a file whose first class line has none"
                        : "a line without a class id in a file whose first class line has one")
                        + "; give every class its id, or none (ids are then the line order)");
            }
            if (withColors != hasColor) {
                throw new DatasetException(where + (hasColor ? "a colour in a file whose first class line has none"
                        : "colour '" + tokens[tokens.length - 1] + "' of class " + classes.size() + " is not #RRGGBB")
                        + "; give every class a colour, or none (colours then come from a generated palette)");
            }
            int id = hasId ? parseInt(tokens[0], where, "class id") : classes.size();
            if (id != classes.size()) {
                throw new DatasetException(where + "class id " + id + ", expected " + classes.size()
                        + " (ids must be 0..C-1 in order)");
            }
            String last = tokens[tokens.length - 1];
            if (hasColor && !COLOR.matcher(last).matches()) {
                throw new DatasetException(where + "colour '" + last + "' of class " + id + " is not #RRGGBB");
            }
            String name = String.join(" ", Arrays.copyOfRange(tokens, hasId ? 1 : 0, tokens.length - (hasColor ? 1 : 0)));
            if (name.isEmpty()) {
                throw new DatasetException(where + "class " + id + " has no name; expected '<id> <name> <#RRGGBB>' or a "
                        + "bare name, found '" + line + "'");
            }
            classes.add(new ClassInfo(id, name, hasColor ? last.toUpperCase(Locale.ROOT) : null));
        }
        if (classes.isEmpty()) {
            throw new DatasetException(file + " lists no classes (expected lines '<id> <name> <#RRGGBB>')");
        }
        int[] palette = Palettes.generated(classes.size());
        for (int i = 0; i < classes.size(); i++) {
            if (classes.get(i).color() == null) {
                classes.set(i, new ClassInfo(i, classes.get(i).name(), Palettes.hex(palette[i])));
            }
        }
        int ignoreLabel = ignore == null ? DEFAULT_IGNORE : ignore;
        if (ignoreLabel < classes.size()) {
            throw new DatasetException(file + ": ignore label " + ignoreLabel + " is also a class id (0.."
                    + (classes.size() - 1) + "); choose a value of at least " + classes.size());
        }
        return new LabelSpace(classes, ignoreLabel);
    }

    /**
     * Reads a parts file.
     *
     * @param numClasses the number of classes the owner ids must refer to
     * @throws DatasetException naming the file and line when it is malformed
     */
    public static List<PartInfo> readParts(Path file, int numClasses) throws DatasetException {
        List<String> lines = readLines(file, "parts file", " (one line per part: '<id> <name> <class-id>', ids 1..P)");
        List<PartInfo> parts = new ArrayList<>();
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = file + " line " + (n + 1) + ": ";
            String[] tokens = line.split("\\s+");
            if (tokens.length < 3) {
                throw new DatasetException(where + "expected '<id> <name> <class-id>', found '" + line + "'");
            }
            int id = parseInt(tokens[0], where, "part id");
            if (id != parts.size() + 1) {
                throw new DatasetException(where + "part id " + id + ", expected " + (parts.size() + 1)
                        + " (ids must be 1..P in order; 0 means no part and is not listed)");
            }
            int owner = parseInt(tokens[tokens.length - 1], where, "class id");
            if (owner < 0 || owner >= numClasses) {
                throw new DatasetException(where + "part " + id + " belongs to class " + owner + ", outside 0.." + (numClasses - 1));
            }
            String name = String.join(" ", Arrays.copyOfRange(tokens, 1, tokens.length - 1));
            parts.add(new PartInfo(id, name, owner));
        }
        return List.copyOf(parts);
    }

    /** Writes a classes file that {@link #readClasses} reads back to an equal label space. */
    public static void writeClasses(Path file, LabelSpace labels) throws IOException {
        StringBuilder sb = new StringBuilder("# id name colour (ScaleProtoSeg folder data set)\n");
        sb.append("ignore ").append(labels.ignoreLabel()).append('\n');
        for (ClassInfo c : labels.classes()) {
            sb.append(c.id()).append(' ').append(c.name()).append(' ').append(c.color()).append('\n');
        }
        write(file, sb.toString());
    }

    /** Writes a parts file that {@link #readParts} reads back. */
    public static void writeParts(Path file, List<PartInfo> parts) throws IOException {
        StringBuilder sb = new StringBuilder("# id name class-id (0 = no part)\n");
        for (PartInfo p : parts) {
            sb.append(p.id()).append(' ').append(p.name()).append(' ').append(p.classId()).append('\n');
        }
        write(file, sb.toString());
    }

    private static void write(Path file, String text) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    private static List<String> readLines(Path file, String kind, String hint) throws DatasetException {
        if (!Files.isRegularFile(file)) {
            throw new DatasetException("missing " + kind + ": " + file + " does not exist" + hint);
        }
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new DatasetException("cannot read " + kind + " " + file + ": " + e.getMessage(), e);
        }
    }

    private static int parseInt(String token, String where, String what) throws DatasetException {
        try {
            return Integer.parseInt(token);
        } catch (NumberFormatException e) {
            throw new DatasetException(where + what + " '" + token + "' is not an integer");
        }
    }
}
