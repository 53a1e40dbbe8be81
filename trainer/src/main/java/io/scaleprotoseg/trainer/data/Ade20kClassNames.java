package io.scaleprotoseg.trainer.data;

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
 * ADE20K's class-name files, and the official names built in for when a data root has none.
 *
 * <p>Accepted, recognised by content (not by file name, so a renamed file still reads):
 * <ul>
 *   <li>{@code objectInfo150.txt}, shipped in ADEChallengeData2016.zip: TAB-separated columns
 *       {@code Idx Ratio Train Val Name}, synonyms in Name separated by ", " (stray spaces are
 *       stripped);
 *   <li>a comma-separated file with a header naming an {@code Idx} and a {@code Name} column, read
 *       by that header: {@code objectInfo150.csv} (Idx,Ratio,Train,Val,Name) of the SceneParsing
 *       devkit and the 6-column {@code object150_info.csv} (Idx,Ratio,Train,Val,Stuff,Name); synonyms
 *       separated by ";".
 * </ul>
 * Idx must run 1..150 in order. The first synonym is the class name; all of them are kept
 * ({@link io.scaleprotoseg.sdk.ModelCard.ClassInfo#synonyms()}).
 */
public final class Ade20kClassNames {
    /** The file names looked for in a data root, in this order. */
    public static final List<String> FILE_NAMES = List.of("objectInfo150.txt", "objectInfo150.csv", "object150_info.csv");

    /** What the reader accepts, for error messages. */
    static final String ACCEPTED = "accepted: objectInfo150.txt (TAB-separated columns Idx, Ratio, Train, Val, Name; "
            + "synonyms separated by ', ') or a comma-separated file whose header names the Idx and Name columns "
            + "(objectInfo150.csv: Idx,Ratio,Train,Val,Name; object150_info.csv: Idx,Ratio,Train,Val,Stuff,Name; "
            + "synonyms separated by ';')";

    /** The first synonym of each class of objectInfo150.txt, in Idx order (the official names). */
    private static final List<String> OFFICIAL = List.of("wall", "building", "sky", "floor", "tree", "ceiling", "road",
            "bed", "windowpane", "grass", "cabinet", "sidewalk", "person", "earth", "door", "table", "mountain", "plant",
            "curtain", "chair", "car", "water", "painting", "sofa", "shelf", "house", "sea", "mirror", "rug", "field",
            "armchair", "seat", "fence", "desk", "rock", "wardrobe", "lamp", "bathtub", "railing", "cushion", "base",
            "box", "column", "signboard", "chest of drawers", "counter", "sand", "sink", "skyscraper", "fireplace",
            "refrigerator", "grandstand", "path", "stairs", "runway", "case", "pool table", "pillow", "screen door",
            "stairway", "river", "bridge", "bookcase", "blind", "coffee table", "toilet", "flower", "book", "hill",
            "bench", "countertop", "stove", "palm", "kitchen island", "computer", "swivel chair", "boat", "bar",
            "arcade machine", "hovel", "bus", "towel", "light", "truck", "tower", "chandelier", "awning", "streetlight",
            "booth", "television receiver", "airplane", "dirt track", "apparel", "pole", "land", "bannister",
            "escalator", "ottoman", "bottle", "buffet", "poster", "stage", "van", "ship", "fountain", "conveyer belt",
            "canopy", "washer", "plaything", "swimming pool", "stool", "barrel", "basket", "waterfall", "tent", "bag",
            "minibike", "cradle", "oven", "ball", "food", "step", "tank", "trade name", "microwave", "pot", "animal",
            "bicycle", "lake", "dishwasher", "screen", "blanket", "sculpture", "hood", "sconce", "vase",
            "traffic light", "tray", "ashcan", "fan", "pier", "crt screen", "plate", "monitor", "bulletin board",
            "shower", "radiator", "glass", "clock", "flag");

    private static final Pattern WHITESPACE = Pattern.compile("\\s+");

    static {
        if (OFFICIAL.size() != Ade20kDataset.NUM_CLASSES) {
            throw new AssertionError("ADE20K name table has " + OFFICIAL.size() + " names");
        }
    }

    private Ade20kClassNames() {
    }

    /** The 150 official names (first synonyms), in class order. */
    public static List<String> official() {
        return OFFICIAL;
    }

    /** The first of {@link #FILE_NAMES} present in {@code dir}, or null. */
    public static Path find(Path dir) {
        for (String n : FILE_NAMES) {
            Path f = dir.resolve(n);
            if (Files.isRegularFile(f)) {
                return f;
            }
        }
        return null;
    }

    /**
     * Reads a class-name file: per class (Idx order), its synonyms, the name first.
     *
     * @throws DatasetException naming the file (and line) when it is in no accepted format, when
     *     Idx does not run 1..150 or a name is empty; the message lists the accepted formats
     */
    public static List<List<String>> read(Path file) throws DatasetException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new DatasetException("cannot read ADE20K class names " + file + ": " + e.getMessage(), e);
        }
        int first = 0;
        while (first < lines.size() && lines.get(first).isBlank()) {
            first++;
        }
        if (first == lines.size()) {
            throw new DatasetException(file + " is empty; " + ACCEPTED);
        }
        String header = lines.get(first).replace("\uFEFF", "");
        boolean tab = header.indexOf('\t') >= 0;
        if (!tab && header.indexOf(',') < 0) {
            throw new DatasetException(file + " is not an ADE20K class list: its first line '" + header.strip()
                    + "' is neither TAB- nor comma-separated; " + ACCEPTED);
        }
        List<String> columns = new ArrayList<>();
        for (String c : split(header, tab)) {
            columns.add(c.strip().toLowerCase(Locale.ROOT));
        }
        int idxCol = columns.indexOf("idx");
        int nameCol = columns.indexOf("name");
        if (idxCol < 0 || nameCol < 0) {
            throw new DatasetException(file + " is not an ADE20K class list: its header '" + header.strip()
                    + "' has no " + (idxCol < 0 ? "Idx" : "Name") + " column; " + ACCEPTED);
        }
        List<List<String>> out = new ArrayList<>();
        for (int n = first + 1; n < lines.size(); n++) {
            if (lines.get(n).isBlank()) {
                continue;
            }
            String where = file + " line " + (n + 1) + ": ";
            List<String> cells = split(lines.get(n), tab);
            if (cells.size() < columns.size()) {
                throw new DatasetException(where + "has " + cells.size() + " " + (tab ? "TAB-separated" : "comma-separated")
                        + " columns, the header " + columns.size() + "; " + ACCEPTED);
            }
            // an unquoted separator inside the last column (the name) belongs to the name
            String nameCell = nameCol == columns.size() - 1
                    ? String.join(tab ? " " : ",", cells.subList(nameCol, cells.size())) : cells.get(nameCol);
            int idx;
            try {
                idx = Integer.parseInt(cells.get(idxCol).strip());
            } catch (NumberFormatException e) {
                throw new DatasetException(where + "Idx '" + cells.get(idxCol).strip() + "' is not an integer; " + ACCEPTED);
            }
            if (idx != out.size() + 1) {
                throw new DatasetException(where + "Idx " + idx + ", expected " + (out.size() + 1)
                        + " (Idx runs 1.." + Ade20kDataset.NUM_CLASSES + " in order)");
            }
            List<String> synonyms = new ArrayList<>();
            StringBuilder word = new StringBuilder();
            for (int i = 0; i <= nameCell.length(); i++) {
                char ch = i < nameCell.length() ? nameCell.charAt(i) : ';';
                if (ch == ';' || ch == ',') {
                    String t = WHITESPACE.matcher(word.toString().strip()).replaceAll(" ");
                    if (!t.isEmpty()) {
                        synonyms.add(t);
                    }
                    word.setLength(0);
                } else {
                    word.append(ch);
                }
            }
            if (synonyms.isEmpty()) {
                throw new DatasetException(where + "class " + idx + " has no name");
            }
            out.add(List.copyOf(synonyms));
        }
        if (out.size() != Ade20kDataset.NUM_CLASSES) {
            throw new DatasetException(file + " names " + out.size() + " classes, expected " + Ade20kDataset.NUM_CLASSES);
        }
        return out;
    }

    /** The cells of a line: TAB-separated, or comma-separated with double quotes protecting commas. */
    private static List<String> split(String line, boolean tab) {
        if (tab) {
            return Arrays.asList(line.split("\t", -1));
        }
        List<String> cells = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (ch == '"') {
                if (quoted && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    cell.append('"');
                    i++;
                } else {
                    quoted = !quoted;
                }
            } else if (ch == ',' && !quoted) {
                cells.add(cell.toString());
                cell.setLength(0);
            } else {
                cell.append(ch);
            }
        }
        cells.add(cell.toString());
        return cells;
    }
}
