package io.scaleprotoseg.sdk;

import io.scaleprotoseg.sdk.internal.ImageInput;
import java.awt.image.BufferedImage;
import java.nio.file.Path;

/**
 * Image decoding with the SDK's rules, for applications that need the pixels as well as the
 * segmentation (overlays, reports): exactly what {@link Segmenter#segment(Path)} accepts and
 * rejects.
 */
public final class Images {
    private Images() {
    }

    /**
     * Decodes an image file (PNG, JPEG, BMP, TIFF, GIF; the first page of a multi-page file). The
     * size is checked against {@code maxPixels} from the header before any pixel is decoded, and a
     * decoder warning (a truncated JPEG, for instance) is an error.
     *
     * @throws InvalidImageException naming the file: missing, unknown format, truncated, corrupt,
     *     empty or over the limit
     */
    public static BufferedImage read(Path file, long maxPixels) throws InvalidImageException {
        return ImageInput.read(file, maxPixels);
    }
}
