package io.scaleprotoseg.trainer.data;

import io.scaleprotoseg.sdk.ModelCard.ClassInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Class colour tables: the Pascal VOC palette and a fixed generated palette for large label sets. */
public final class Palettes {
    private Palettes() {
    }

    /**
     * The 256-colour Pascal VOC palette (bit-interleaved: bits 0, 1, 2 of the index go to the top
     * bits of R, G, B, then the next three bits, and so on). Index 255 is the void colour (224, 224, 192).
     */
    public static int[] voc() {
        int[] palette = new int[256];
        for (int i = 0; i < 256; i++) {
            int r = 0;
            int g = 0;
            int b = 0;
            int c = i;
            for (int j = 0; j < 8; j++) {
                r |= ((c >> 0) & 1) << (7 - j);
                g |= ((c >> 1) & 1) << (7 - j);
                b |= ((c >> 2) & 1) << (7 - j);
                c >>= 3;
            }
            palette[i] = (r << 16) | (g << 8) | b;
        }
        return palette;
    }

    /**
     * A fixed palette of {@code n} distinguishable colours: hues stepped by the golden angle,
     * saturation and value cycling over three levels. Deterministic; the same n gives the same colours.
     */
    public static int[] generated(int n) {
        int[] out = new int[n];
        double golden = 0.6180339887498949;
        double[] sat = {0.85, 0.6, 0.95};
        double[] val = {0.95, 0.75, 0.55};
        for (int i = 0; i < n; i++) {
            double hue = (0.11 + i * golden) % 1.0;
            out[i] = hsv(hue, sat[i % 3], val[(i / 3) % 3]);
        }
        return out;
    }

    /** #RRGGBB of 0xRRGGBB. */
    public static String hex(int rgb) {
        return String.format(Locale.ROOT, "#%06X", rgb & 0xffffff);
    }

    /** Class records for the given names with colours from {@code palette} (index = class id). */
    public static List<ClassInfo> classes(List<String> names, int[] palette) {
        List<ClassInfo> out = new ArrayList<>(names.size());
        for (int i = 0; i < names.size(); i++) {
            out.add(new ClassInfo(i, names.get(i), hex(palette[i])));
        }
        return out;
    }

    static int hsv(double h, double s, double v) {
        double hh = h * 6;
        int sector = (int) Math.floor(hh) % 6;
        double f = hh - Math.floor(hh);
        double p = v * (1 - s);
        double q = v * (1 - s * f);
        double t = v * (1 - s * (1 - f));
        double r;
        double g;
        double b;
        switch (sector) {
            case 0: r = v; g = t; b = p; break;
            case 1: r = q; g = v; b = p; break;
            case 2: r = p; g = v; b = t; break;
            case 3: r = p; g = q; b = v; break;
            case 4: r = t; g = p; b = v; break;
            default: r = v; g = p; b = q; break;
        }
        return ((int) Math.round(r * 255) << 16) | ((int) Math.round(g * 255) << 8) | (int) Math.round(b * 255);
    }
}
