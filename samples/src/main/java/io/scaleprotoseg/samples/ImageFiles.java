package io.scaleprotoseg.samples;

import io.scaleprotoseg.sdk.ErrorCode;
import io.scaleprotoseg.sdk.InvalidImageException;
import io.scaleprotoseg.sdk.Images;
import io.scaleprotoseg.sdk.InputSizing;
import io.scaleprotoseg.sdk.Segmenter;
import io.scaleprotoseg.sdk.ModelCard;
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
import javax.imageio.ImageIO;
import javax.imageio.stream.ImageInputStream;

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
    static BufferedImage read(Path file, long maxPixels) throws InvalidImageException {
        try {
            return Images.read(file, maxPixels);
        } catch (InvalidImageException e) {
            throw forCommandLine(e);
        }
    }

    /**
     * A warning when {@code sizing} keeps an image far larger (more than 4x on its shorter side)
     * than what the model was trained on, as its card records it; null otherwise. A network sees
     * objects at the scale it learned: at 30x that scale its output is noise.
     */
    static String resolutionWarning(ModelCard card, InputSizing sizing, String what, int width, int height) {
        ModelCard.TrainingResolution t = card.trainingResolution();
        if (t == null || !sizing.isKeep()) {
            return null;
        }
        int learned = t.imageWidth() > 0 ? Math.min(t.imageWidth(), t.imageHeight()) : t.crop();
        if (Math.min(width, height) <= 4 * learned) {
            return null;
        }
        return what + " is " + width + "x" + height + ", but the model learned from " + t.crop() + "-pixel crops"
                + (t.imageWidth() > 0 ? " of " + t.imageWidth() + "x" + t.imageHeight() + " images" : "")
                + ": at --size keep it sees every object " + Math.round(Math.min(width, height) / (double) learned)
                + "x larger than it learned, and the result is likely noise; try --size " + learned
                + " (the shorter side at the training scale)";
    }

    /** Refuses, naming --size, tiles smaller than the shortest side the model's network takes. */
    static void checkTileSize(ModelCard card, InputSizing sizing) throws UserError {
        int min = Segmenter.minimumSide(card);
        if (sizing.isTiled() && sizing.tileSize() < min) {
            throw new UserError("--size tile:" + sizing.tileSize() + ":" + sizing.overlap() + ": tileSize " + sizing.tileSize()
                    + " is smaller than " + min + " pixels, the shortest side this model's network takes (4 cells of its "
                    + "output stride " + card.outputStride() + ", at least 32 pixels); use tiles of at least " + min
                    + " pixels, such as --size tile:" + Math.max(min, 513) + ":64");
        }
    }

    /** The SDK's error with the command line's way to raise the pixel limit in place of the builder's. */
    static InvalidImageException forCommandLine(InvalidImageException e) {
        if (e.code() != ErrorCode.IMAGE_TOO_LARGE || e.getMessage() == null) {
            return e;
        }
        return new InvalidImageException(e.code(), e.getMessage().replace("raise Segmenter.Builder.maxPixels",
                "raise --max-pixels"), e);
    }

    /** Whether an image decoder of ImageIO recognises the file's content (whatever its name). */
    static boolean isDecodableImage(Path file) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            return in != null && ImageIO.getImageReaders(in).hasNext();
        }
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
