package io.scaleprotoseg.runtime.ort;

import java.awt.image.BufferedImage;

/** Converts test float images to BufferedImages. */
final class ImageFixtures {
    private ImageFixtures() {
    }

    /** An 8-bit RGB image from CHW floats in 0..1 (rounded). */
    static BufferedImage rgb(float[] chw, int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int plane = w * h;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                int r = Math.round(chw[i] * 255);
                int g = Math.round(chw[plane + i] * 255);
                int b = Math.round(chw[2 * plane + i] * 255);
                img.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        return img;
    }

    /** The CHW floats an 8-bit RGB image stands for. */
    static float[] chw(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        float[] out = new float[3 * w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int v = img.getRGB(x, y);
                out[y * w + x] = ((v >> 16) & 0xff) / 255f;
                out[w * h + y * w + x] = ((v >> 8) & 0xff) / 255f;
                out[2 * w * h + y * w + x] = (v & 0xff) / 255f;
            }
        }
        return out;
    }
}
