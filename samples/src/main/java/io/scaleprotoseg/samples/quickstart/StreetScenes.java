package io.scaleprotoseg.samples.quickstart;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.RoundRectangle2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Synthetic street scenes with exact labels: sky, a row of buildings, a grass verge, a road, and
 * cars of several sizes (far ones small and high, near ones large and low), with mild pixel noise.
 * Every shape is drawn twice, once in its colour into the image and once as its class id into the
 * label map, with antialiasing off so both rasterise to the same pixels. Deterministic in the seed.
 */
public final class StreetScenes {
    /** Car body widths drawn in every scene, in pixels of a 320-pixel-wide scene. */
    static final int[] CAR_WIDTHS = {24, 40, 64, 96};
    /** Largest per-channel noise added to each pixel. */
    static final int NOISE = 6;

    private StreetScenes() {
    }

    /**
     * One generated scene.
     *
     * @param name a file-name stem ({@code scene-0}, ...)
     * @param image the RGB image
     * @param labels class ids ({@link SceneClass#id()}), row-major
     * @param cars the car bodies, in drawing order
     */
    public record Scene(String name, BufferedImage image, int[] labels, List<Rectangle> cars) {
        public int width() {
            return image.getWidth();
        }

        public int height() {
            return image.getHeight();
        }

        /** The largest car's body. */
        public Rectangle largestCar() {
            Rectangle best = cars.get(0);
            for (Rectangle r : cars) {
                if (r.width * r.height > best.width * best.height) {
                    best = r;
                }
            }
            return best;
        }
    }

    /** {@code count} scenes of {@code width x height} pixels. */
    public static List<Scene> generate(long seed, int count, int width, int height) {
        if (width < 160 || height < 120) {
            throw new IllegalArgumentException("scenes need at least 160x120 pixels, got " + width + "x" + height);
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Scene> scenes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            scenes.add(scene("scene-" + i, rnd.split(), width, height));
        }
        return scenes;
    }

    private static Scene scene(String name, SplittableRandom rnd, int w, int h) {
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        // class ids go into the red channel of an RGB canvas: grey canvases would gamma-convert them
        BufferedImage labelCanvas = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D gi = image.createGraphics();
        Graphics2D gl = labelCanvas.createGraphics();
        List<Rectangle> cars = new ArrayList<>();
        try {
            for (Graphics2D g : List.of(gi, gl)) {
                g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_OFF);
            }
            // sizes are designed for a 320-pixel-wide scene and scale with the width
            double unit = w / 320.0;
            int base = (int) Math.round(h * (0.42 + 0.1 * rnd.nextDouble()));
            int roadTop = base + (int) Math.round(unit * (12 + rnd.nextInt(17)));
            paint(gi, gl, new Rectangle(0, 0, w, base), SceneClass.SKY, SceneClass.SKY.appearance());

            // a row of buildings standing on the verge, each a slightly different shade
            int x = -(int) Math.round(unit * rnd.nextInt(20));
            while (x < w) {
                int bw = (int) Math.round(unit * (36 + rnd.nextInt(45)));
                int bh = (int) Math.round(unit * 30) + rnd.nextInt(Math.max(1, base - (int) Math.round(unit * 50)));
                if (rnd.nextDouble() < 0.85) {
                    paint(gi, gl, new Rectangle(x, base - bh, bw, bh), SceneClass.BUILDING,
                            jitter(SceneClass.BUILDING.appearance(), rnd, 10));
                }
                x += bw + (int) Math.round(unit * rnd.nextInt(20));
            }
            paint(gi, gl, new Rectangle(0, base, w, roadTop - base), SceneClass.GRASS, SceneClass.GRASS.appearance());
            paint(gi, gl, new Rectangle(0, roadTop, w, h - roadTop), SceneClass.ROAD, SceneClass.ROAD.appearance());

            // cars, far (small, near the verge) to near (large, low): later ones cover earlier ones
            int roadHeight = h - roadTop;
            for (int i = 0; i < CAR_WIDTHS.length; i++) {
                int cw = (int) Math.round(unit * CAR_WIDTHS[i]);
                int bodyH = (int) Math.round(cw * 0.38);
                int cabinH = (int) Math.round(cw * 0.22);
                double depth = (i + 0.5) / CAR_WIDTHS.length;
                int bottom = roadTop + (int) Math.round(depth * roadHeight * 0.85) + bodyH / 2 + 2;
                bottom = Math.min(bottom, h - 2);
                int cx = rnd.nextInt(Math.max(1, w - cw));
                Rectangle body = new Rectangle(cx, bottom - bodyH, cw, bodyH);
                Color colour = jitter(SceneClass.CAR.appearance(), rnd, 6);
                int arc = Math.max(4, cw / 6);
                paint(gi, gl, new RoundRectangle2D.Double(body.x, body.y, body.width, body.height, arc, arc), SceneClass.CAR,
                        colour);
                paint(gi, gl, new RoundRectangle2D.Double(body.x + cw * 0.2, body.y - cabinH + 1, cw * 0.55, cabinH + arc,
                        arc, arc), SceneClass.CAR, colour);
                cars.add(body);
            }
        } finally {
            gi.dispose();
            gl.dispose();
        }
        addNoise(image, rnd);
        int[] labels = new int[w * h];
        int[] rgb = labelCanvas.getRGB(0, 0, w, h, null, 0, w);
        for (int i = 0; i < labels.length; i++) {
            labels[i] = (rgb[i] >> 16) & 0xff;
        }
        return new Scene(name, image, labels, List.copyOf(cars));
    }

    private static void paint(Graphics2D image, Graphics2D labels, Shape shape, SceneClass cls, Color colour) {
        image.setColor(colour);
        image.fill(shape);
        labels.setColor(new Color(cls.id(), 0, 0));
        labels.fill(shape);
    }

    private static Color jitter(Color c, SplittableRandom rnd, int amount) {
        int d = rnd.nextInt(2 * amount + 1) - amount;
        return new Color(clamp(c.getRed() + d), clamp(c.getGreen() + d), clamp(c.getBlue() + d));
    }

    private static void addNoise(BufferedImage img, SplittableRandom rnd) {
        int w = img.getWidth();
        int h = img.getHeight();
        int[] px = img.getRGB(0, 0, w, h, null, 0, w);
        for (int i = 0; i < px.length; i++) {
            int r = clamp(((px[i] >> 16) & 0xff) + rnd.nextInt(2 * NOISE + 1) - NOISE);
            int g = clamp(((px[i] >> 8) & 0xff) + rnd.nextInt(2 * NOISE + 1) - NOISE);
            int b = clamp((px[i] & 0xff) + rnd.nextInt(2 * NOISE + 1) - NOISE);
            px[i] = (r << 16) | (g << 8) | b;
        }
        img.setRGB(0, 0, w, h, px, 0, w);
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }
}
