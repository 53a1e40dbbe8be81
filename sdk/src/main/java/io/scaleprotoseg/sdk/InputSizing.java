package io.scaleprotoseg.sdk;

import java.util.Locale;

/**
 * How an image is sized before it enters the network. Whatever the policy, every result
 * ({@link Segmentation#mask()}, scores, heat maps, explanations) is in the coordinates of the
 * <em>original</em> image: when the network input differs from the image, the class scores are
 * upsampled from the feature grid straight to the image size (bilinear, half-pixel centres) and
 * the mask is their argmax.
 *
 * <p>Resizing is bilinear with half-pixel centres and no antialiasing, the same interpolation the
 * trainer uses for its multi-scale inputs.
 *
 * <p><b>Tiling</b> ({@link #tiled(int, int)}) does not resize: an image larger than the tile runs as
 * overlapping tiles of one fixed size, so that memory is bounded by the tile, not the image. See
 * {@link #tiled(int, int)} for how tiles are placed and stitched and when the result differs from
 * whole-image inference. Instances are immutable.
 */
public final class InputSizing {
    private enum Mode { KEEP, FIXED, SHORTER_SIDE, TILED }

    private final Mode mode;
    private final int width;
    private final int height;

    private InputSizing(Mode mode, int width, int height) {
        this.mode = mode;
        this.width = width;
        this.height = height;
    }

    /** Run the network at the image's own size (the default). */
    public static InputSizing keep() {
        return new InputSizing(Mode.KEEP, 0, 0);
    }

    /** Resize every image to exactly {@code width x height}. */
    public static InputSizing fixed(int width, int height) {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("fixed input size must be positive, got " + width + "x" + height);
        }
        return new InputSizing(Mode.FIXED, width, height);
    }

    /** Resize so that the shorter side is {@code side} pixels, keeping the aspect ratio. */
    public static InputSizing shorterSide(int side) {
        if (side < 1) {
            throw new IllegalArgumentException("shorter side must be positive, got " + side);
        }
        return new InputSizing(Mode.SHORTER_SIDE, side, side);
    }

    /**
     * Run images larger than {@code tileSize} in either direction as overlapping square tiles of
     * {@code tileSize} pixels (or the image's side, where that is shorter), at the image's own
     * resolution; images that fit in one tile run whole, exactly as {@link #keep()}.
     *
     * <p><b>Placement.</b> Along each axis, n = ceil((side - overlap) / (tileSize - overlap)) tiles are
     * spread evenly from edge to edge, so neighbours overlap by at least {@code overlap} pixels. Tiles
     * run one at a time through one engine shape; memory is that of one tile plus the result. Time
     * follows the pixels the tiles hold, {@code (nx * tile / width) * (ny * tile / height)} times the
     * image's: a tile that divides the image with little to spare is cheapest.
     *
     * <p><b>Stitching</b> happens on a feature grid over the whole image with the tiles' cell density.
     * Each grid cell takes, from every tile whose extent holds the cell's centre, that tile's nearest
     * cell. <em>Logits</em> are blended with a smooth window: a raised-cosine ramp over the
     * {@code overlap} pixels next to each tile side that is inside the image (sides on the image's
     * edge are not ramped), normalised over the tiles; the mask, {@link Segmentation#scores} and
     * {@link Segmentation#logits()} are these blended logits. <em>Evidence</em> (group and prototype
     * activations, {@link Segmentation#explain}, counterfactuals and audits) comes whole from the
     * cell's <em>deciding tile</em>, the one with the largest window weight there (the first in row
     * order on ties), together with that tile's own logits, so every identity of an explanation holds
     * exactly, as in that tile's own result. Outside overlaps the two agree; in an overlap the explained
     * scores may differ from the blended ones (and, rarely, the deciding tile's best class from the
     * mask's class).
     *
     * <p><b>When tiling changes results.</b> A cell near a tile side sees less context than in
     * whole-image inference (zero padding where the image continues); the change fades over the
     * network's receptive field. An overlap of at least half the receptive field keeps every cell's
     * deciding tile far enough from its side that most cells match whole-image inference; models with
     * a receptive field larger than the tile (deep ResNets with wide ASPP dilations) change more.
     *
     * @param tileSize the tile's side in pixels; a {@link Segmenter} refuses a tile smaller than the
     *     model's {@link Segmenter#minimumSide minimum side}
     * @param overlap pixels shared by neighbouring tiles, at least 0 and less than half the tile
     * @throws IllegalArgumentException naming {@code tileSize} or {@code overlap} when out of range
     */
    public static InputSizing tiled(int tileSize, int overlap) {
        if (tileSize < 1) {
            throw new IllegalArgumentException("tileSize must be positive, got " + tileSize);
        }
        if (overlap < 0 || 2L * overlap >= tileSize) {
            throw new IllegalArgumentException("overlap " + overlap + " must be at least 0 and less than half the tile ("
                    + tileSize + " pixels): tiles would advance by " + (tileSize - overlap) + " pixels or less and cover "
                    + "most pixels three times or more; use an overlap below " + (tileSize + 1) / 2);
        }
        return new InputSizing(Mode.TILED, tileSize, overlap);
    }

    /**
     * Parses {@code keep}, {@code WxH}, a single number (shorter side), or {@code tile:SIZE:OVERLAP}
     * ({@code tile:SIZE} takes an overlap of SIZE / 8).
     */
    public static InputSizing parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.equals("keep")) {
                return keep();
            }
            if (t.startsWith("tile:")) {
                String[] parts = t.substring(5).split(":", -1);
                if (parts.length > 2) {
                    throw new NumberFormatException("too many parts");
                }
                int size = Integer.parseInt(parts[0]);
                return tiled(size, parts.length == 2 ? Integer.parseInt(parts[1]) : size / 8);
            }
            int x = t.indexOf('x');
            if (x > 0) {
                return fixed(Integer.parseInt(t.substring(0, x)), Integer.parseInt(t.substring(x + 1)));
            }
            return shorterSide(Integer.parseInt(t));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("input size '" + text
                    + "' is not 'keep', WIDTHxHEIGHT, a shorter-side length or tile:SIZE[:OVERLAP]", e);
        }
    }

    /** The network input size for an image of {@code w x h}, as {width, height}. */
    public int[] networkSize(int w, int h) {
        switch (mode) {
            case FIXED:
                return new int[] {width, height};
            case SHORTER_SIDE: {
                double s = (double) width / Math.min(w, h);
                return new int[] {Math.max(1, (int) Math.round(w * s)), Math.max(1, (int) Math.round(h * s))};
            }
            default:
                return new int[] {w, h};
        }
    }

    /** True when images are not resized ({@link #keep()}, and {@link #tiled} which never resizes). */
    public boolean isKeep() {
        return mode == Mode.KEEP || mode == Mode.TILED;
    }

    /** True for {@link #tiled(int, int)}. */
    public boolean isTiled() {
        return mode == Mode.TILED;
    }

    /** The tile's side in pixels (0 unless {@link #isTiled()}). */
    public int tileSize() {
        return mode == Mode.TILED ? width : 0;
    }

    /** The tiles' overlap in pixels (0 unless {@link #isTiled()}). */
    public int overlap() {
        return mode == Mode.TILED ? height : 0;
    }

    /**
     * True when an image of {@code w x h} runs as more than one tile: tiling is on and the image is
     * larger than the tile in some direction.
     */
    public boolean tiles(int w, int h) {
        return mode == Mode.TILED && (w > width || h > width);
    }

    @Override
    public String toString() {
        switch (mode) {
            case FIXED:
                return width + "x" + height;
            case SHORTER_SIDE:
                return "shorter side " + width;
            case TILED:
                return "tiles of " + width + " pixels overlapping by " + height;
            default:
                return "keep";
        }
    }
}
