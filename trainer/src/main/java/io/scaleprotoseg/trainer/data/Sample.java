package io.scaleprotoseg.trainer.data;

/**
 * One labelled image, decoded.
 *
 * @param id a stable identifier (usually the file name without extension), used in prototype
 *     source records
 * @param width image width
 * @param height image height
 * @param image RGB in 0..1, channel-major: {@code image[c * h * w + y * w + x]}
 * @param labels class ids or the ignore label, row-major, {@code w * h} values
 * @param parts part ids (0 = no part) row-major, or null when the data set has no part labels
 */
public record Sample(String id, int width, int height, float[] image, int[] labels, int[] parts) {
    public Sample {
        if (image.length != 3 * width * height || labels.length != width * height
                || (parts != null && parts.length != width * height)) {
            throw new IllegalArgumentException("sample " + id + ": arrays do not match " + width + "x" + height);
        }
    }
}
