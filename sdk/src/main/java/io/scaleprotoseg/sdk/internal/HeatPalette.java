package io.scaleprotoseg.sdk.internal;

/**
 * A perceptually ordered dark-to-bright palette for heat maps: black, deep blue, magenta,
 * orange, pale yellow, interpolated linearly in RGB between those anchors.
 */
public final class HeatPalette {
    private static final int[][] ANCHORS = {
        {0, 0, 4}, {40, 11, 84}, {120, 28, 109}, {187, 55, 84}, {237, 105, 37}, {251, 180, 26}, {252, 255, 164}
    };

    private HeatPalette() {
    }

    /** The colour of {@code t} in 0..1 (clamped) as 0xRRGGBB. */
    public static int rgb(double t) {
        double v = Double.isNaN(t) ? 0 : Math.max(0, Math.min(1, t)) * (ANCHORS.length - 1);
        int i = Math.min((int) v, ANCHORS.length - 2);
        double f = v - i;
        int r = (int) Math.round(ANCHORS[i][0] + (ANCHORS[i + 1][0] - ANCHORS[i][0]) * f);
        int g = (int) Math.round(ANCHORS[i][1] + (ANCHORS[i + 1][1] - ANCHORS[i][1]) * f);
        int b = (int) Math.round(ANCHORS[i][2] + (ANCHORS[i + 1][2] - ANCHORS[i][2]) * f);
        return (r << 16) | (g << 8) | b;
    }
}
