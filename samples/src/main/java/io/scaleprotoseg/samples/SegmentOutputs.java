package io.scaleprotoseg.samples;

import io.scaleprotoseg.sdk.Segmentation;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The three files {@code segment} writes per image: {@code NAME_mask.png} (class ids as grey),
 * {@code NAME_overlay.png} (class colours over the image, alpha 0.5) and {@code NAME.json} (class
 * areas, backend, latency, strongest groups and prototypes per class present).
 *
 * @param mask the class-id mask
 * @param overlay the colour overlay
 * @param json the summary
 */
public record SegmentOutputs(Path mask, Path overlay, Path json) {
    /** Opacity of the class colours in the overlay. */
    public static final double OVERLAY_ALPHA = 0.5;

    /** Writes the outputs of one image into {@code dir} (which must exist). */
    public static SegmentOutputs write(Path dir, String name, BufferedImage image, Segmentation s, int topK)
            throws IOException {
        SegmentOutputs out = new SegmentOutputs(dir.resolve(name + "_mask.png"), dir.resolve(name + "_overlay.png"),
                dir.resolve(name + ".json"));
        Png.write(Png.maskImage(s.mask(), s.width(), s.height(), s.numClasses()), out.mask);
        Png.write(s.colorOverlay(image, OVERLAY_ALPHA), out.overlay);
        Files.writeString(out.json, s.toJson(topK) + System.lineSeparator(), StandardCharsets.UTF_8);
        return out;
    }
}
