package io.scaleprotoseg.samples;

import io.scaleprotoseg.sdk.InvalidImageException;
import io.scaleprotoseg.sdk.Images;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/** Finding, naming and decoding input images. */
final class ImageFiles {
    /** File extensions taken from a directory (lower case). */
    static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "gif", "tif", "tiff");
    /** The pixel limit of decoding; the same default as {@code Segmenter.Builder.maxPixels}. */
    static final long MAX_PIXELS = 4096L * 4096L;

    private ImageFiles() {
    }

    /**
     * The images to process: the file itself, or a directory's image files (by extension, not
     * recursive) sorted by name.
     *
     * @param option the option that named the input, for messages
     */
    static List<Path> list(Path input, String option) throws IOException {
        if (Files.isRegularFile(input)) {
            return List.of(input);
        }
        if (!Files.isDirectory(input)) {
            throw new UserError(option + " " + input + ": no such file or directory");
        }
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(input)) {
            s.filter(Files::isRegularFile).filter(p -> EXTENSIONS.contains(extension(p))).forEach(files::add);
        }
        files.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
        if (files.isEmpty()) {
            throw new UserError(option + " " + input + ": the directory holds no image files (" + String.join(", ",
                    EXTENSIONS.stream().sorted().toList()) + ")");
        }
        return files;
    }

    /**
     * Whether {@code file} is one of the images {@code segment} writes ({@code NAME_mask.png} or
     * {@code NAME_overlay.png} next to its {@code NAME.json}), not an input.
     */
    static boolean isSegmentOutput(Path file) {
        String name = file.getFileName().toString();
        for (String suffix : new String[] {"_mask.png", "_overlay.png"}) {
            if (name.endsWith(suffix) && name.length() > suffix.length()) {
                String base = name.substring(0, name.length() - suffix.length());
                if (Files.isRegularFile(file.resolveSibling(base + ".json"))) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Output base names for the files: the name without its extension, or with the extension
     * folded in ({@code a_png}) when two inputs would otherwise write the same outputs.
     */
    static Map<Path, String> outputNames(List<Path> files) {
        Map<String, Integer> stems = new HashMap<>();
        for (Path p : files) {
            stems.merge(stem(p), 1, Integer::sum);
        }
        Map<Path, String> names = new LinkedHashMap<>();
        for (Path p : files) {
            String stem = stem(p);
            String name = p.getFileName().toString();
            names.put(p, stems.get(stem) > 1 ? name.replace('.', '_') : stem);
        }
        return names;
    }

    /**
     * Decodes an image, rejecting truncated or corrupt files (a decoder warning is an error: a
     * partly decoded image is never segmented). Uses the SDK's decoder so that the CLI accepts and
     * rejects exactly what {@code Segmenter.segment(Path)} does, while keeping the pixels for
     * overlays.
     */
    static BufferedImage read(Path file) throws InvalidImageException {
        return Images.read(file, MAX_PIXELS);
    }

    static String stem(Path p) {
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    static String extension(Path p) {
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}
