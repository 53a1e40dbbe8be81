package io.scaleprotoseg.trainer.data;

import io.scaleprotoseg.sdk.ModelCard.ClassInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The built-in "scenes" data: synthetic street scenes, the default data of the demo and of the
 * trainer's tests. Deterministic: sample {@code i} of a split depends only on (seed, split, i), so
 * any sample can be generated on its own, on any thread, in any order, and a different seed gives
 * different scenes. Generation costs about 2 ms per 128x96 image (about 12 ms at 321x321).
 *
 * <p><b>Why it suits ScaleProtoSeg:</b> a pinhole camera over a ground plane puts every object's
 * size in proportion to its foot's distance below the horizon (small near the horizon, large in
 * front; cars and persons are placed over a 12x depth range, trees over 25x), so a class appears
 * at very different scales; facades run along the street in perspective, so a single facade shows
 * windows of many sizes. Objects are made of parts with distinct textures, and some parts look
 * alike across classes on purpose (the same window glass on cars and buildings, dark tyres and
 * dark trousers, car paints that are also wall and shirt colours), so a pixel's class often needs
 * context beyond its local look. Colour jitter per object and per image and mild per-pixel noise
 * keep single pixels from being separable by colour.
 *
 * <p><b>Classes</b> ({@link #LABELS}, void 255 is never generated): 0 sky, 1 road, 2 sidewalk,
 * 3 building, 4 vegetation, 5 car, 6 person.
 *
 * <p><b>Parts</b> ({@link #PARTS}, in {@link Sample#parts()}, 0 = no part, which only sky has):
 * <pre>
 *  1 road surface (road)           9 tree trunk (vegetation)
 *  2 road marking (road)          10 grass (vegetation)
 *  3 sidewalk paving (sidewalk)   11 car body (car)
 *  4 curb (sidewalk)              12 car window (car)
 *  5 building wall (building)     13 car wheel (car)
 *  6 building window (building)   14 person head (person)
 *  7 building door (building)     15 person torso (person)
 *  8 tree crown (vegetation)      16 person legs (person)
 * </pre>
 *
 * <p><b>Layout of a scene:</b> sky (gradient and clouds) above a horizon at 36-46% of the height;
 * a road (asphalt, dashed centre line, optional edge lines), curbs, paved sidewalks and grass; on
 * each side a row of buildings (brick or plaster walls, window grids, a door) or, one time in four,
 * a park; 1-4 cars (rear views in the lanes, side views parked), 1-5 persons (on the sidewalks or
 * crossing), 0-3 trees plus 3 per park side, all placed at log-uniform depths and drawn far to near.
 * Pixel values are 8-bit (k / 255), so {@link #writeTo} and {@link FolderDataset} round-trip exactly.
 * Works at any size from 32x24 up (e.g. 64x48, 128x96, 321x321); geometry is relative to the image
 * height, so the same seed gives the same scene at every resolution of the same aspect ratio, up
 * to sampling.
 *
 * @param seed the generator seed
 * @param width image width
 * @param height image height
 * @param trainCount samples in the train split
 * @param valCount samples in the val split
 * @param testCount samples in the test split
 */
public record Scenes(long seed, int width, int height, int trainCount, int valCount, int testCount) {
    public static final int SKY = 0;
    public static final int ROAD = 1;
    public static final int SIDEWALK = 2;
    public static final int BUILDING = 3;
    public static final int VEGETATION = 4;
    public static final int CAR = 5;
    public static final int PERSON = 6;

    /** The seven classes with Cityscapes-like colours, void 255. */
    public static final LabelSpace LABELS = new LabelSpace(List.of(
            new ClassInfo(SKY, "sky", "#4682B4"),
            new ClassInfo(ROAD, "road", "#804080"),
            new ClassInfo(SIDEWALK, "sidewalk", "#F423E8"),
            new ClassInfo(BUILDING, "building", "#464646"),
            new ClassInfo(VEGETATION, "vegetation", "#6B8E23"),
            new ClassInfo(CAR, "car", "#00008E"),
            new ClassInfo(PERSON, "person", "#DC143C")), 255);

    /** The part table (ids 1..16). */
    public static final List<PartInfo> PARTS = List.of(
            new PartInfo(SceneRenderer.ROAD_SURFACE, "road surface", ROAD),
            new PartInfo(SceneRenderer.ROAD_MARKING, "road marking", ROAD),
            new PartInfo(SceneRenderer.PAVING, "sidewalk paving", SIDEWALK),
            new PartInfo(SceneRenderer.CURB, "curb", SIDEWALK),
            new PartInfo(SceneRenderer.WALL, "building wall", BUILDING),
            new PartInfo(SceneRenderer.BUILDING_WINDOW, "building window", BUILDING),
            new PartInfo(SceneRenderer.DOOR, "building door", BUILDING),
            new PartInfo(SceneRenderer.CROWN, "tree crown", VEGETATION),
            new PartInfo(SceneRenderer.TRUNK, "tree trunk", VEGETATION),
            new PartInfo(SceneRenderer.GRASS, "grass", VEGETATION),
            new PartInfo(SceneRenderer.CAR_BODY, "car body", CAR),
            new PartInfo(SceneRenderer.CAR_WINDOW, "car window", CAR),
            new PartInfo(SceneRenderer.WHEEL, "car wheel", CAR),
            new PartInfo(SceneRenderer.HEAD, "person head", PERSON),
            new PartInfo(SceneRenderer.TORSO, "person torso", PERSON),
            new PartInfo(SceneRenderer.LEGS, "person legs", PERSON));

    /**
     * One drawn object (building facade, car, person or tree), in pixel coordinates of the image
     * (the box may extend beyond it).
     *
     * @param classId its class
     * @param left left edge of its box
     * @param top top edge
     * @param right right edge
     * @param bottom bottom edge (the foot row for upright objects)
     * @param footY the image row where it meets the ground (for a facade: at its near end)
     * @param pixelsPerMetre its scale: {@code (footY - horizon) / camera height}
     * @param depth its distance from the camera, metres
     * @param pixels pixels it covered when drawn (later, nearer objects may cover some of them)
     */
    public record Instance(int classId, double left, double top, double right, double bottom, double footY,
            double pixelsPerMetre, double depth, int pixels) {
        /** Height of the box in pixels. */
        public double boxHeight() {
            return bottom - top;
        }
    }

    /**
     * A generated scene with its ground truth geometry.
     *
     * @param sample the image, labels and parts
     * @param horizonY the horizon row (may be fractional)
     * @param instances the objects in drawing order (far to near among upright objects, buildings first)
     */
    public record Scene(Sample sample, double horizonY, List<Instance> instances) { }

    public Scenes {
        if (width < 32 || height < 24) {
            throw new IllegalArgumentException("scenes need at least 32x24 pixels, got " + width + "x" + height);
        }
        if (trainCount < 0 || valCount < 0 || testCount < 0) {
            throw new IllegalArgumentException("sample counts must not be negative");
        }
    }

    /** Seed 0, 128x96 (CPU training size), 200 / 50 / 50 samples. */
    public static Scenes defaults() {
        return new Scenes(0, 128, 96, 200, 50, 50);
    }

    public Scenes withSeed(long s) {
        return new Scenes(s, width, height, trainCount, valCount, testCount);
    }

    public Scenes withSize(int w, int h) {
        return new Scenes(seed, w, h, trainCount, valCount, testCount);
    }

    public Scenes withCounts(int train, int val, int test) {
        return new Scenes(seed, width, height, train, val, test);
    }

    /** The number of samples of a split. */
    public int count(Split split) {
        return switch (split) {
            case TRAIN -> trainCount;
            case VAL -> valCount;
            case TEST -> testCount;
        };
    }

    /** The id of sample {@code index} of a split, e.g. "train_00042" (also its file name in {@link #writeTo}). */
    public static String sampleId(Split split, int index) {
        return String.format(Locale.ROOT, "%s_%05d", split.id(), index);
    }

    /** Generates sample {@code index} of a split with its geometry. */
    public Scene scene(Split split, int index) {
        if (index < 0 || index >= count(split)) {
            throw new IndexOutOfBoundsException("scene " + index + " of split " + split.id() + " (size " + count(split) + ")");
        }
        return SceneRenderer.render(sampleId(split, index), width, height, Noise.sampleSeed(seed, split, index));
    }

    /** The samples of one split (may be empty when its count is 0). */
    public SegmentationDataset dataset(Split split) {
        Scenes cfg = this;
        return new SegmentationDataset() {
            @Override
            public String name() {
                return "scenes/" + split.id();
            }

            @Override
            public LabelSpace labels() {
                return LABELS;
            }

            @Override
            public int size() {
                return cfg.count(split);
            }

            @Override
            public Sample get(int index) {
                return cfg.scene(split, index).sample();
            }

            @Override
            public List<PartInfo> parts() {
                return PARTS;
            }
        };
    }

    /**
     * Writes all three splits in the generic folder format ({@link FolderDataset}): classes.txt,
     * parts.txt and {train,val,test}/{images,masks,parts}/ID.png. Splits with count 0 are skipped.
     */
    public void writeTo(Path root) throws IOException {
        ClassesFile.writeClasses(root.resolve(ClassesFile.CLASSES), LABELS);
        ClassesFile.writeParts(root.resolve(ClassesFile.PARTS), PARTS);
        for (Split split : Split.values()) {
            Path dir = root.resolve(split.id());
            for (int i = 0; i < count(split); i++) {
                Sample s = scene(split, i).sample();
                ImageFiles.writeRgbPng(dir.resolve(FolderDataset.IMAGES).resolve(s.id() + ".png"), s.image(), width, height);
                ImageFiles.writeValuesPng(dir.resolve(FolderDataset.MASKS).resolve(s.id() + ".png"), s.labels(), width, height);
                ImageFiles.writeValuesPng(dir.resolve(FolderDataset.PARTS).resolve(s.id() + ".png"), s.parts(), width, height);
            }
        }
    }
}
