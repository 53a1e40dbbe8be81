package io.scaleprotoseg.trainer.data;

import static io.scaleprotoseg.trainer.data.Scenes.BUILDING;
import static io.scaleprotoseg.trainer.data.Scenes.CAR;
import static io.scaleprotoseg.trainer.data.Scenes.PERSON;
import static io.scaleprotoseg.trainer.data.Scenes.ROAD;
import static io.scaleprotoseg.trainer.data.Scenes.SIDEWALK;
import static io.scaleprotoseg.trainer.data.Scenes.SKY;
import static io.scaleprotoseg.trainer.data.Scenes.VEGETATION;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Draws one street scene with a pinhole camera over a flat ground plane (see {@link Scenes}).
 *
 * <p>Geometry: the camera is {@link #CAM_H} metres above the ground and looks horizontally, so the
 * horizon is a row {@code yh} and a ground point at depth Z projects to row {@code yh + CAM_H * s}
 * with {@code s = f / Z} pixels per metre. Upright objects are billboards standing at (X, Z): their
 * pixel size is their metric size times s, so they shrink linearly as their foot approaches the
 * horizon. Facades run along the street and are drawn in true perspective, so one facade shows
 * windows at many scales. Every pixel gets a part id; its class is the part's owner (sky has no part).
 */
final class SceneRenderer {
    /** Camera height above the ground, metres. */
    static final double CAM_H = 2.5;
    /** Objects are placed between the nearest visible ground row and this many times farther. */
    static final double DEPTH_RANGE = 25;
    /** Cars and persons are placed within this nearer range, so that large instances are common. */
    static final double NEAR_RANGE = 12;

    // part ids (Scenes.PARTS documents them)
    static final int ROAD_SURFACE = 1;
    static final int ROAD_MARKING = 2;
    static final int PAVING = 3;
    static final int CURB = 4;
    static final int WALL = 5;
    static final int BUILDING_WINDOW = 6;
    static final int DOOR = 7;
    static final int CROWN = 8;
    static final int TRUNK = 9;
    static final int GRASS = 10;
    static final int CAR_BODY = 11;
    static final int CAR_WINDOW = 12;
    static final int WHEEL = 13;
    static final int HEAD = 14;
    static final int TORSO = 15;
    static final int LEGS = 16;

    /** Owner class of each part id (index 0 unused). */
    static final int[] PART_CLASS = {SKY, ROAD, ROAD, SIDEWALK, SIDEWALK, BUILDING, BUILDING, BUILDING, VEGETATION, VEGETATION, VEGETATION,
        CAR, CAR, CAR, PERSON, PERSON, PERSON};

    // colours shared across classes on purpose: a car may be the colour of a wall or a shirt
    private static final float[][] WALL_COLORS = {{0.62f, 0.33f, 0.26f}, {0.80f, 0.72f, 0.58f}, {0.57f, 0.57f, 0.59f},
        {0.84f, 0.83f, 0.78f}, {0.78f, 0.60f, 0.32f}, {0.50f, 0.55f, 0.64f}};
    private static final float[][] PAINT_COLORS = {{0.72f, 0.12f, 0.10f}, {0.16f, 0.26f, 0.62f}, {0.88f, 0.88f, 0.87f},
        {0.66f, 0.68f, 0.70f}, {0.12f, 0.12f, 0.13f}, {0.88f, 0.74f, 0.18f}, {0.80f, 0.72f, 0.58f}, {0.22f, 0.45f, 0.26f},
        {0.62f, 0.33f, 0.26f}};
    private static final float[][] TROUSER_COLORS = {{0.12f, 0.16f, 0.30f}, {0.10f, 0.10f, 0.11f}, {0.35f, 0.35f, 0.37f},
        {0.36f, 0.27f, 0.18f}};
    private static final float[][] SKIN_COLORS = {{0.93f, 0.76f, 0.62f}, {0.78f, 0.57f, 0.42f}, {0.50f, 0.34f, 0.24f}};

    private final int w;
    private final int h;
    private final float[] img;
    private final int[] lab;
    private final int[] part;
    private final SplittableRandom rng;
    private final List<Scenes.Instance> instances = new ArrayList<>();
    private final float[] rgb = new float[3];

    // per-scene camera and street layout
    private final double yh;
    private final double vx;
    private final double f;
    private final double roadX;
    private final double roadHalf;
    private final double sidewalk;
    private final double curb = 0.25;
    private final double zNear;

    private SceneRenderer(int w, int h, long seed) {
        this.w = w;
        this.h = h;
        this.img = new float[3 * w * h];
        this.lab = new int[w * h];
        this.part = new int[w * h];
        this.rng = new SplittableRandom(seed);
        this.yh = h * (0.36 + 0.10 * rng.nextDouble());
        this.vx = w * (0.35 + 0.30 * rng.nextDouble());
        this.f = 1.2 * h;
        this.roadX = (rng.nextDouble() - 0.5) * 2.0;
        this.roadHalf = 2.8 + 1.4 * rng.nextDouble();
        this.sidewalk = 1.8 + 1.5 * rng.nextDouble();
        this.zNear = f * CAM_H / (h - yh);
        rng.nextLong(); // a draw no texture uses any more, kept so that every scene stays as it was
    }

    static Scenes.Scene render(String id, int width, int height, long seed) {
        SceneRenderer r = new SceneRenderer(width, height, seed);
        r.draw();
        Sample sample = new Sample(id, width, height, r.img, r.lab, r.part);
        return new Scenes.Scene(sample, r.yh, List.copyOf(r.instances));
    }

    private interface Shader {
        /** Colours {@code out} at billboard coordinates (metres, ly up from the foot); returns the part id, 0 = empty. */
        int shade(double lx, double ly, float[] out);
    }

    private record Billboard(int cls, double x, double z, double halfWidth, double height, Shader shader) { }

    private void draw() {
        paintSkyAndGround();
        boolean[] park = {rng.nextDouble() < 0.25, rng.nextDouble() < 0.25};
        for (int side = 0; side < 2; side++) {
            if (!park[side]) {
                paintBuildingRow(side == 0 ? -1 : 1);
            }
        }
        List<Billboard> objects = new ArrayList<>();
        int cars = 1 + rng.nextInt(4);
        for (int i = 0; i < cars; i++) {
            objects.add(car());
        }
        int persons = 1 + rng.nextInt(5);
        for (int i = 0; i < persons; i++) {
            objects.add(person());
        }
        int trees = rng.nextInt(4) + (park[0] ? 3 : 0) + (park[1] ? 3 : 0);
        for (int i = 0; i < trees; i++) {
            int side = rng.nextBoolean() ? -1 : 1;
            boolean inPark = park[side < 0 ? 0 : 1] && rng.nextBoolean();
            objects.add(tree(side, inPark));
        }
        // painter's algorithm: far objects first
        objects.sort(Comparator.comparingDouble(Billboard::z).reversed());
        for (Billboard b : objects) {
            paintBillboard(b);
        }
        finish();
    }

    // ---------------------------------------------------------------- sky and ground

    private void paintSkyAndGround() {
        float[] top = jitter(new float[] {0.30f, 0.50f, 0.82f}, 0.06);
        float[] horizon = jitter(new float[] {0.74f, 0.83f, 0.93f}, 0.04);
        float[] cloud = {0.93f, 0.93f, 0.95f};
        double cloudiness = 0.45 + 0.35 * rng.nextDouble();
        float asphalt = (float) (0.22 + 0.14 * rng.nextDouble());
        float[] paving = jitter(new float[] {0.66f, 0.64f, 0.62f}, 0.06);
        float[] grass = jitter(new float[] {0.28f, 0.48f, 0.18f}, 0.05);
        double dashPhase = rng.nextDouble() * 9;
        boolean edgeLines = rng.nextBoolean();
        long s1 = rng.nextLong();
        long s2 = rng.nextLong();
        for (int y = 0; y < h; y++) {
            double cy = y + 0.5;
            for (int x = 0; x < w; x++) {
                double cx = x + 0.5;
                if (cy < yh) {
                    double t = Math.pow(cy / yh, 1.5);
                    double c = Noise.fractal(cx / (w * 0.16), cy / (yh * 0.3 + 1), s1);
                    double k = Math.max(0, Math.min(1, (c - cloudiness) * 5)) * 0.9;
                    for (int ch = 0; ch < 3; ch++) {
                        double sky = top[ch] + (horizon[ch] - top[ch]) * t;
                        rgb[ch] = (float) (sky + (cloud[ch] - sky) * k);
                    }
                    set(x, y, 0);
                    continue;
                }
                double s = (cy - yh) / CAM_H;
                double lat = (cx - vx) / s - roadX;
                double z = f / s;
                double a = Math.abs(lat);
                double grain = (Noise.hash01(x, y, s2) - 0.5) * 0.06;
                int p;
                if (a < roadHalf) {
                    boolean centre = a < 0.08 && ((z + dashPhase) % 9.0) < 3.0;
                    boolean edge = edgeLines && Math.abs(a - (roadHalf - 0.35)) < 0.07;
                    if (centre || edge) {
                        fill(0.90f + (float) grain, 0.90f + (float) grain, 0.86f + (float) grain);
                        p = ROAD_MARKING;
                    } else {
                        double patch = (Noise.value(lat * 0.5, z * 0.15, s2 + 7) - 0.5) * 0.06;
                        float g = (float) (asphalt + patch + grain);
                        fill(g, g, g + 0.015f);
                        p = ROAD_SURFACE;
                    }
                } else if (a < roadHalf + curb) {
                    float g = (float) ((Math.floorMod((long) Math.floor(z / 1.0), 2L) == 0 ? 0.74 : 0.62) + grain);
                    fill(g, g, g);
                    p = CURB;
                } else if (a < roadHalf + sidewalk) {
                    double u = (a - roadHalf - curb) / 0.6;
                    double v = z / 0.6;
                    boolean grout = u - Math.floor(u) < 0.07 || v - Math.floor(v) < 0.07;
                    double tile = (Noise.hash01((long) Math.floor(u), (long) Math.floor(v), s2 + 3) - 0.5) * 0.10;
                    double k = grout ? -0.18 : tile;
                    fill((float) (paving[0] + k + grain), (float) (paving[1] + k + grain), (float) (paving[2] + k + grain));
                    p = PAVING;
                } else {
                    double m = 0.8 + 0.4 * Noise.value(lat * 1.5, z * 0.6, s2 + 5);
                    fill((float) (grass[0] * m + grain), (float) (grass[1] * m + grain), (float) (grass[2] * m + grain));
                    p = GRASS;
                }
                set(x, y, p);
            }
        }
    }

    // ---------------------------------------------------------------- buildings

    private void paintBuildingRow(int side) {
        double line = roadHalf + sidewalk + (rng.nextBoolean() ? 0 : 2.5 * rng.nextDouble());
        double z = zNear * 0.3;
        while (z < zNear * 60) {
            double length = 8 + 14 * rng.nextDouble();
            double height = 7 + 18 * rng.nextDouble();
            double setback = rng.nextBoolean() ? 0 : 2 * rng.nextDouble();
            facade(side, line + setback, z, z + length, height);
            z += length + (rng.nextDouble() < 0.6 ? 0 : 2 + 6 * rng.nextDouble());
        }
    }

    private void facade(int side, double lateral, double z1, double z2, double height) {
        float[] wall = jitter(WALL_COLORS[rng.nextInt(WALL_COLORS.length)], 0.04);
        boolean brick = rng.nextBoolean();
        double spacing = 2.6 + rng.nextDouble();
        double floorH = 3.0 + 0.5 * rng.nextDouble();
        double winW = 1.1 + 0.5 * rng.nextDouble();
        double winH = 1.3 + 0.5 * rng.nextDouble();
        double length = z2 - z1;
        double margin = 0.8 + ((length - 1.6) % spacing) / 2;
        double door = 1 + rng.nextDouble() * Math.max(0, length - 3.5);
        float[] tint = jitter(new float[] {0f, 0f, 0f}, 0.05);
        long bs = rng.nextLong();
        double xb = roadX + side * lateral;
        double sNear = f / z1;
        double sFar = f / z2;
        double xa = vx + xb * sFar;
        double xc = vx + xb * sNear;
        int x0 = (int) Math.max(0, Math.floor(Math.min(xa, xc)));
        int x1 = (int) Math.min(w - 1, Math.ceil(Math.max(xa, xc)));
        int painted = 0;
        for (int x = x0; x <= x1; x++) {
            double s = (x + 0.5 - vx) / xb;
            if (s < sFar || s > sNear) {
                continue;
            }
            double u = f / s - z1;
            double bottom = yh + CAM_H * s;
            double top = yh - (height - CAM_H) * s;
            int y0 = (int) Math.max(0, Math.floor(top));
            int y1 = (int) Math.min(h - 1, Math.ceil(bottom));
            for (int y = y0; y <= y1; y++) {
                double cy = y + 0.5;
                if (cy < top || cy > bottom) {
                    continue;
                }
                double v = CAM_H - (cy - yh) / s;
                int p;
                if (u > door && u < door + 1.3 && v < 2.4) {
                    boolean panel = Math.abs(u - door - 0.65) < 0.04 || v > 2.25;
                    float k = panel ? 0.7f : 1f;
                    fill(0.36f * k, 0.23f * k, 0.13f * k);
                    p = DOOR;
                } else if (isWindow(u, v, length, height, margin, spacing, floorH, winW, winH)) {
                    double uu = ((u - margin) % spacing - (spacing - winW) / 2) / winW;
                    double base = 3.6 + Math.floor((v - 3.6) / floorH) * floorH + 0.6;
                    double vv = 1 - (v - base) / winH;
                    glass(uu, vv, tint);
                    p = BUILDING_WINDOW;
                } else {
                    double k;
                    if (v > height - 0.3) {
                        k = -0.12;
                    } else if (brick) {
                        double row = v / 0.3;
                        double off = Math.floorMod((long) Math.floor(row), 2L) * 0.45;
                        double col = (u + off) / 0.9;
                        boolean mortar = row - Math.floor(row) < 0.14 || col - Math.floor(col) < 0.06;
                        k = mortar ? 0.10 : (Noise.hash01((long) Math.floor(row), (long) Math.floor(col), bs) - 0.5) * 0.10;
                    } else {
                        k = (Noise.value(u * 1.2, v * 1.2, bs) - 0.5) * 0.08;
                    }
                    fill((float) (wall[0] + k), (float) (wall[1] + k), (float) (wall[2] + k));
                    p = WALL;
                }
                set(x, y, p);
                painted++;
            }
        }
        double left = Math.min(xa, xc);
        double right = Math.max(xa, xc);
        instances.add(new Scenes.Instance(BUILDING, left, yh - (height - CAM_H) * sNear, right, yh + CAM_H * sNear,
                yh + CAM_H * sNear, sNear, z1, painted));
    }

    private static boolean isWindow(double u, double v, double length, double height, double margin, double spacing,
            double floorH, double winW, double winH) {
        if (v < 3.6 || u < margin || u > length - margin) {
            return false;
        }
        double inFloor = (v - 3.6) % floorH - 0.6;
        double floorTop = 3.6 + Math.floor((v - 3.6) / floorH) * floorH + 0.6 + winH;
        if (inFloor < 0 || inFloor > winH || floorTop > height - 0.6) {
            return false;
        }
        double inBay = (u - margin) % spacing - (spacing - winW) / 2;
        return inBay >= 0 && inBay <= winW;
    }

    /**
     * Window glass, the same for buildings and cars so that a window alone does not tell which
     * object it belongs to: a sky reflection brighter at the top and a diagonal highlight.
     *
     * @param uu 0..1 across the window
     * @param vv 0..1 from the top of the window
     */
    private void glass(double uu, double vv, float[] tint) {
        double reflect = 0.22 * (1 - vv);
        double highlight = Math.abs(uu - 0.6 * vv - 0.25) < 0.09 ? 0.2 : 0;
        rgb[0] = (float) (0.28 + reflect + highlight + tint[0]);
        rgb[1] = (float) (0.38 + reflect + highlight + tint[1]);
        rgb[2] = (float) (0.50 + reflect + highlight + tint[2]);
    }

    // ---------------------------------------------------------------- billboards

    /** A log-uniform depth between the nearest visible ground row and {@code range} times farther. */
    private double depth(double range) {
        return zNear * Math.exp(rng.nextDouble() * Math.log(range));
    }

    private Billboard car() {
        float[] paint = jitter(PAINT_COLORS[rng.nextInt(PAINT_COLORS.length)], 0.04);
        float[] tint = jitter(new float[] {0f, 0f, 0f}, 0.05);
        double z = depth(NEAR_RANGE);
        if (rng.nextDouble() < 0.6) {
            double x = roadX + (rng.nextBoolean() ? -1 : 1) * roadHalf / 2 + (rng.nextDouble() - 0.5) * 0.6;
            return new Billboard(CAR, x, z, 0.9, 1.45, (lx, ly, out) -> carRear(lx, ly, paint, tint, out));
        }
        int dir = rng.nextBoolean() ? 1 : -1;
        double x = roadX + (rng.nextBoolean() ? -1 : 1) * (roadHalf - 1.0);
        return new Billboard(CAR, x, z, 2.1, 1.45, (lx, ly, out) -> carSide(lx * dir, ly, paint, tint, out));
    }

    private int carRear(double lx, double ly, float[] paint, float[] tint, float[] out) {
        double a = Math.abs(lx);
        if (ly < 0.34 && a > 0.52 && a < 0.84) {
            set3(out, 0.07f, 0.07f, 0.08f);
            return WHEEL;
        }
        if (ly >= 0.2 && ly < 0.98 && a <= 0.9) {
            if (a > 0.66 && a < 0.86 && ly > 0.70 && ly < 0.84) {
                set3(out, 0.80f, 0.08f, 0.06f);
            } else if (a < 0.2 && ly > 0.40 && ly < 0.52) {
                set3(out, 0.90f, 0.90f, 0.85f);
            } else {
                shadeBody(paint, ly, out);
            }
            return CAR_BODY;
        }
        if (ly >= 0.98 && ly <= 1.45) {
            double hw = 0.82 - 0.14 * (ly - 0.98) / 0.47;
            if (a > hw) {
                return 0;
            }
            if (a < hw - 0.08 && ly > 1.02 && ly < 1.39) {
                glassTo(out, (lx + hw) / (2 * hw), (1.39 - ly) / 0.37, tint);
                return CAR_WINDOW;
            }
            shadeBody(paint, ly, out);
            return CAR_BODY;
        }
        return 0;
    }

    private int carSide(double lx, double ly, float[] paint, float[] tint, float[] out) {
        for (double cx : new double[] {-1.3, 1.35}) {
            double d = Math.hypot(lx - cx, ly - 0.33);
            if (d < 0.33) {
                if (d < 0.15) {
                    set3(out, 0.60f, 0.60f, 0.62f);
                } else {
                    set3(out, 0.07f, 0.07f, 0.08f);
                }
                return WHEEL;
            }
        }
        if (ly >= 0.22 && ly < 0.92 && Math.abs(lx) <= 2.1) {
            if (Math.abs(lx - 0.1) < 0.025 && ly > 0.3) {
                set3(out, paint[0] * 0.6f, paint[1] * 0.6f, paint[2] * 0.6f);
            } else {
                shadeBody(paint, ly, out);
            }
            return CAR_BODY;
        }
        if (ly >= 0.92 && ly <= 1.45) {
            double t = (ly - 0.92) / 0.53;
            double xl = -1.15 + 0.35 * t;
            double xr = 1.05 - 0.65 * t;
            if (lx < xl || lx > xr) {
                return 0;
            }
            boolean pillar = Math.abs(lx + 0.05) < 0.07;
            if (!pillar && lx > xl + 0.1 && lx < xr - 0.1 && ly > 0.97 && ly < 1.38) {
                glassTo(out, (lx - xl) / (xr - xl), (1.38 - ly) / 0.41, tint);
                return CAR_WINDOW;
            }
            shadeBody(paint, ly, out);
            return CAR_BODY;
        }
        return 0;
    }

    private static void shadeBody(float[] paint, double ly, float[] out) {
        float k = (float) (0.82 + 0.22 * Math.min(1, ly / 1.2));
        set3(out, paint[0] * k, paint[1] * k, paint[2] * k);
    }

    private void glassTo(float[] out, double uu, double vv, float[] tint) {
        glass(uu, vv, tint);
        System.arraycopy(rgb, 0, out, 0, 3);
    }

    private Billboard person() {
        double height = 1.6 + 0.3 * rng.nextDouble();
        double k = height / 1.75;
        float[] shirt = jitter(PAINT_COLORS[rng.nextInt(PAINT_COLORS.length)], 0.05);
        float[] trousers = jitter(TROUSER_COLORS[rng.nextInt(TROUSER_COLORS.length)], 0.03);
        float[] skin = SKIN_COLORS[rng.nextInt(SKIN_COLORS.length)];
        float[] hair = jitter(new float[] {0.18f, 0.13f, 0.09f}, 0.05);
        double z = depth(NEAR_RANGE);
        boolean crossing = rng.nextDouble() < 0.3;
        double across = rng.nextDouble();
        double x = roadX + (rng.nextBoolean() ? -1 : 1) * (roadHalf + curb + 0.3 + across * Math.max(0.1, sidewalk - 0.8));
        double footX = vx + x * f / z;
        if (crossing || footX < 0 || footX >= w) {
            // a person on a sidewalk out of view crosses the road instead, so near persons are seen too
            x = roadX + (across * 2 - 1) * roadHalf;
        }
        Shader shader = (lx, ly, out) -> {
            double a = Math.abs(lx);
            double headY = height - 0.12 * k;
            double d = Math.hypot(lx, ly - headY);
            if (d < 0.115 * k) {
                if (ly > headY + 0.03 * k) {
                    set3(out, hair[0], hair[1], hair[2]);
                } else {
                    set3(out, skin[0], skin[1], skin[2]);
                }
                return HEAD;
            }
            if (a < 0.05 * k && ly >= 1.45 * k && ly < headY) {
                set3(out, skin[0] * 0.9f, skin[1] * 0.9f, skin[2] * 0.9f);
                return HEAD;
            }
            if ((a < 0.21 * k && ly >= 0.86 * k && ly < 1.47 * k) || (a >= 0.21 * k && a < 0.29 * k && ly >= 0.9 * k
                    && ly < 1.44 * k)) {
                float m = a >= 0.21 * k ? 0.85f : 1f;
                set3(out, shirt[0] * m, shirt[1] * m, shirt[2] * m);
                return TORSO;
            }
            if (ly < 0.88 * k && a > 0.025 * k && a < 0.19 * k) {
                if (ly < 0.06 * k) {
                    set3(out, 0.09f, 0.08f, 0.08f);
                } else {
                    set3(out, trousers[0], trousers[1], trousers[2]);
                }
                return LEGS;
            }
            return 0;
        };
        return new Billboard(PERSON, x, z, 0.3 * k, height, shader);
    }

    private Billboard tree(int side, boolean inPark) {
        double trunkH = 1.8 + rng.nextDouble();
        double rx = 1.3 + 0.9 * rng.nextDouble();
        double ry = 1.4 + 0.9 * rng.nextDouble();
        double cy = trunkH + ry * 0.75;
        float[] dark = jitter(new float[] {0.12f, 0.30f, 0.10f}, 0.03);
        float[] light = jitter(new float[] {0.36f, 0.56f, 0.18f}, 0.04);
        long ts = rng.nextLong();
        double z = depth(DEPTH_RANGE);
        double x = inPark
                ? roadX + side * (roadHalf + sidewalk + 1 + 6 * rng.nextDouble())
                : roadX + side * (roadHalf + sidewalk - 0.4);
        Shader shader = (lx, ly, out) -> {
            double dx = lx / rx;
            double dy = (ly - cy) / ry;
            double r2 = dx * dx + dy * dy;
            double bump = 1 + 0.36 * (Noise.value((Math.atan2(dy, dx) + Math.PI) * 1.6, 0.5, ts) - 0.5);
            if (r2 < bump * bump) {
                double g = Noise.value(lx * 2.5, ly * 2.5, ts + 1);
                double grain = (Noise.hash01((long) Math.floor(lx * 12), (long) Math.floor(ly * 12), ts + 2) - 0.5) * 0.08;
                for (int c = 0; c < 3; c++) {
                    out[c] = (float) (dark[c] + (light[c] - dark[c]) * g + grain);
                }
                return CROWN;
            }
            if (Math.abs(lx) < 0.16 && ly < cy) {
                double stripe = Math.floorMod((long) Math.floor((lx + 0.16) / 0.06), 2L) == 0 ? 1.0 : 0.8;
                set3(out, (float) (0.38 * stripe), (float) (0.26 * stripe), (float) (0.16 * stripe));
                return TRUNK;
            }
            return 0;
        };
        return new Billboard(VEGETATION, x, z, rx * 1.2, cy + ry * 1.2, shader);
    }

    private void paintBillboard(Billboard b) {
        double s = f / b.z();
        double footX = vx + b.x() * s;
        double footY = yh + CAM_H * s;
        double left = footX - b.halfWidth() * s;
        double right = footX + b.halfWidth() * s;
        double top = footY - b.height() * s;
        int x0 = (int) Math.max(0, Math.floor(left));
        int x1 = (int) Math.min(w - 1, Math.ceil(right));
        int y0 = (int) Math.max(0, Math.floor(top));
        int y1 = (int) Math.min(h - 1, Math.ceil(footY));
        float[] out = new float[3];
        int painted = 0;
        for (int y = y0; y <= y1; y++) {
            double ly = (footY - (y + 0.5)) / s;
            if (ly < 0) {
                continue;
            }
            for (int x = x0; x <= x1; x++) {
                double lx = (x + 0.5 - footX) / s;
                int p = b.shader().shade(lx, ly, out);
                if (p > 0) {
                    System.arraycopy(out, 0, rgb, 0, 3);
                    set(x, y, p);
                    painted++;
                }
            }
        }
        instances.add(new Scenes.Instance(b.cls(), left, top, right, footY, footY, s, b.z(), painted));
    }

    // ---------------------------------------------------------------- pixels

    private void fill(float r, float g, float b) {
        rgb[0] = r;
        rgb[1] = g;
        rgb[2] = b;
    }

    private static void set3(float[] out, float r, float g, float b) {
        out[0] = r;
        out[1] = g;
        out[2] = b;
    }

    private void set(int x, int y, int partId) {
        int i = y * w + x;
        int n = w * h;
        img[i] = rgb[0];
        img[n + i] = rgb[1];
        img[2 * n + i] = rgb[2];
        part[i] = partId;
        lab[i] = PART_CLASS[partId];
    }

    private float[] jitter(float[] c, double amount) {
        float[] out = new float[3];
        for (int i = 0; i < 3; i++) {
            out[i] = (float) (c[i] + (rng.nextDouble() * 2 - 1) * amount);
        }
        return out;
    }

    /** Global exposure and white balance jitter, mild sensor noise, then 8-bit quantisation. */
    private void finish() {
        double gain = 0.85 + 0.3 * rng.nextDouble();
        double[] balance = new double[3];
        for (int c = 0; c < 3; c++) {
            balance[c] = gain * (0.93 + 0.14 * rng.nextDouble());
        }
        long ns = rng.nextLong();
        int n = w * h;
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < n; i++) {
                double noise = (Noise.hash01(i, c, ns) + Noise.hash01(i, c + 3, ns) - 1) * 0.05;
                img[c * n + i] = ImageFiles.to8((float) (img[c * n + i] * balance[c] + noise)) / 255f;
            }
        }
    }
}
