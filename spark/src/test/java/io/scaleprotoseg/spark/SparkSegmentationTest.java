package io.scaleprotoseg.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scaleprotoseg.graph.GeneratedImages;
import io.scaleprotoseg.graph.InferenceGraphWriter;
import io.scaleprotoseg.graph.RandomModels;
import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.ConfusionMatrix;
import io.scaleprotoseg.sdk.ErrorCode;
import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.Images;
import io.scaleprotoseg.sdk.ModelFormatException;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.sdk.PartAudit;
import io.scaleprotoseg.sdk.Segmentation;
import io.scaleprotoseg.sdk.Segmenter;
import io.scaleprotoseg.spark.internal.ExecutorSegmenters;
import io.scaleprotoseg.spark.internal.ModelShipment;
import io.scaleprotoseg.spark.internal.PartitionJobs;
import io.scaleprotoseg.spark.internal.Rows;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The three jobs on Spark embedded in the test JVM ({@code local[2]}), against the SDK on one
 * machine over the same files: identical rows, confusion matrices and audits; error rows for bad
 * images; every refusal names its path. One session for the class (Spark starts in seconds).
 */
class SparkSegmentationTest {
    private static final int IMAGES = 6;
    private static final int W = 48;
    private static final int H = 40;

    @TempDir
    static Path dir;

    private static SparkSession spark;
    private static Path model;
    private static Path images;
    private static Path labels;
    private static Path withBroken;

    @BeforeAll
    static void setUp() throws Exception {
        spark = SparkSession.builder().master("local[2]").appName("SparkSegmentationTest")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        model = dir.resolve("model.onnx");
        InferenceGraphWriter.write(RandomModels.build(RandomModels.Spec.small(ModelKind.SCALEPROTOSEG, 7)), model);
        images = Files.createDirectories(dir.resolve("images"));
        labels = Files.createDirectories(dir.resolve("labels"));
        withBroken = Files.createDirectories(dir.resolve("with-broken"));
        try (Segmenter seg = sdk(Evidence.NONE)) {
            for (int i = 0; i < IMAGES; i++) {
                BufferedImage img = rgb(GeneratedImages.image(W + i, H, 100 + i), W + i, H);
                ImageIO.write(img, "png", images.resolve("img" + i + ".png").toFile());
                ImageIO.write(img, "png", withBroken.resolve("img" + i + ".png").toFile());
                // labels: the model's own mask with every 5th pixel moved to another class, and a void band
                int[] m = seg.segment(images.resolve("img" + i + ".png")).mask();
                for (int p = i % 5; p < m.length; p += 5) {
                    m[p] = (m[p] + 1) % seg.card().numClasses();
                }
                for (int p = 0; p < W + i; p++) {
                    m[p] = 255;
                }
                writeGrey(labels.resolve("img" + i + ".png"), m, W + i, H);
            }
        }
        Files.write(withBroken.resolve("broken.png"), "not a png at all".getBytes(StandardCharsets.UTF_8));
    }

    @AfterAll
    static void tearDown() {
        spark.stop();
        ExecutorSegmenters.closeAll();
    }

    private static Segmenter sdk(Evidence evidence) throws Exception {
        return Segmenter.builder().model(model).backend(Backend.ORT_CPU).evidence(evidence).intraOpThreads(1).build();
    }

    private static SparkJobOptions options() {
        return SparkJobOptions.of(model.toString());
    }

    static BufferedImage rgb(float[] chw, int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int n = w * h;
        for (int i = 0; i < n; i++) {
            int r = Math.round(chw[i] * 255);
            int g = Math.round(chw[n + i] * 255);
            int b = Math.round(chw[2 * n + i] * 255);
            img.setRGB(i % w, i / w, (r << 16) | (g << 8) | b);
        }
        return img;
    }

    static void writeGrey(Path file, int[] values, int w, int h) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        img.getRaster().setSamples(0, 0, w, h, 0, values);
        ImageIO.write(img, "png", file.toFile());
    }

    private static String name(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    @Test
    void segmentationRowsEqualTheSdkAndABadImageIsAnErrorRow() throws Exception {
        Dataset<Row> out = SparkSegmentation.segment(SparkSegmentation.readImages(spark, withBroken.toString()),
                options().withEvidence(Evidence.FULL).withTopK(3));
        List<Row> rows = out.collectAsList();
        assertEquals(IMAGES + 1, rows.size());
        int checked = 0;
        try (Segmenter seg = sdk(Evidence.FULL)) {
            for (Row r : rows) {
                String path = r.getString(r.fieldIndex("path"));
                if (name(path).equals("broken.png")) {
                    String error = r.getString(r.fieldIndex("error"));
                    assertNotNull(error, "the broken file must give an error row");
                    assertTrue(error.contains("broken.png"), error);
                    assertTrue(r.isNullAt(r.fieldIndex("mask")) && r.isNullAt(r.fieldIndex("width")));
                    continue;
                }
                assertNull(r.get(r.fieldIndex("error")), path);
                Segmentation s = seg.segment(withBroken.resolve(name(path)));
                assertEquals(s.width(), r.getInt(r.fieldIndex("width")));
                assertEquals(s.height(), r.getInt(r.fieldIndex("height")));
                byte[] png = (byte[]) r.get(r.fieldIndex("mask"));
                assertArrayEquals(s.mask(), Images.readLabels(png, path).values(), "mask of " + path);
                assertEquals("ort-cpu", r.getString(r.fieldIndex("backend")));
                Segmentation.Summary sum = s.summary(3);
                List<Row> classes = r.getList(r.fieldIndex("classes"));
                assertEquals(sum.classes().size(), classes.size());
                for (int c = 0; c < classes.size(); c++) {
                    Segmentation.ClassSummary want = sum.classes().get(c);
                    Row got = classes.get(c);
                    assertEquals(want.id(), got.getInt(0));
                    assertEquals(want.name(), got.getString(1));
                    assertEquals(want.pixels(), got.getLong(2));
                    List<Row> groups = got.getList(4);
                    List<Row> protos = got.getList(5);
                    assertEquals(want.topGroups().size(), groups.size());
                    assertEquals(want.topPrototypes().size(), protos.size());
                    assertFalse(protos.isEmpty(), "FULL evidence gives top prototypes");
                    for (int k = 0; k < groups.size(); k++) {
                        assertEquals(want.topGroups().get(k).index(), groups.get(k).getInt(1));
                        assertEquals(want.topGroups().get(k).meanContribution(), groups.get(k).getDouble(2));
                    }
                    for (int k = 0; k < protos.size(); k++) {
                        assertEquals(want.topPrototypes().get(k).id(), protos.get(k).getInt(0));
                        assertEquals(want.topPrototypes().get(k).meanContribution(), protos.get(k).getDouble(3));
                    }
                }
                checked++;
            }
        }
        assertEquals(IMAGES, checked);
        // one segmenter per executor JVM and settings (local mode: this JVM), whatever the tasks
        SparkSegmentation.segment(SparkSegmentation.readImages(spark, images.toString()),
                options().withEvidence(Evidence.FULL).withTopK(3)).count();
        assertTrue(ExecutorSegmenters.openCount() >= 1);
        int before = ExecutorSegmenters.openCount();
        SparkSegmentation.segment(SparkSegmentation.readImages(spark, images.toString()),
                options().withEvidence(Evidence.FULL)).count();
        assertEquals(before, ExecutorSegmenters.openCount(), "a second job with the same model and settings reuses the segmenter");
    }

    @Test
    void evaluationEqualsTheSingleJvmLoopExactly() throws Exception {
        SparkEvaluation e = SparkSegmentation.evaluate(SparkSegmentation.readImages(spark, images.toString()),
                SparkSegmentation.readLabels(spark, labels.toString()), options());
        ConfusionMatrix loop;
        try (Segmenter seg = sdk(Evidence.NONE)) {
            loop = new ConfusionMatrix(seg.card().numClasses(), 255);
            for (int i = 0; i < IMAGES; i++) {
                Path label = labels.resolve("img" + i + ".png");
                loop.add(Images.readLabels(Files.readAllBytes(label), label.toString()).values(),
                        seg.segment(images.resolve("img" + i + ".png")).mask());
            }
        }
        assertEquals(loop, e.matrix(), "the merged partition matrices equal one pass over the images");
        assertEquals(IMAGES, e.images());
        assertEquals(loop.meanIou(), e.meanIou());
        assertEquals(loop.pixelAccuracy(), e.pixelAccuracy());
        assertTrue(e.pixelAccuracy() > 0.5 && e.pixelAccuracy() < 0.95, "labels were perturbed: " + e.pixelAccuracy());
        // the table
        Path out = dir.resolve("eval.parquet");
        SparkSegmentation.writeParquet(SparkSegmentation.evaluationTable(spark, e), out.toString(), false);
        List<Row> rows = spark.read().parquet(out.toString()).orderBy("class_id").collectAsList();
        assertEquals(loop.classes(), rows.size());
        long labelled = 0;
        for (Row r : rows) {
            labelled += r.getLong(r.fieldIndex("labelled_pixels"));
            assertEquals(loop.meanIou(), r.getDouble(r.fieldIndex("miou")));
        }
        assertEquals(loop.labelledPixels(), labelled);
    }

    @Test
    void auditEqualsTheSingleJvmAuditAndItsTotalsTheEvidence() throws Exception {
        SparkAudit a = SparkSegmentation.audit(SparkSegmentation.readImages(spark, images.toString()),
                SparkSegmentation.readLabels(spark, labels.toString()), options());
        assertEquals(IMAGES, a.paths().size());
        PartAudit loop;
        long[] areas;
        try (Segmenter seg = sdk(Evidence.FULL)) {
            loop = new PartAudit(seg.card());
            areas = new long[seg.card().numClasses()];
            for (String path : a.paths()) {
                Segmentation s = seg.segment(images.resolve(name(path)));
                Path label = labels.resolve(name(path));
                loop.add(s, Images.readLabels(Files.readAllBytes(label), label.toString()).values());
                long[] area = s.classAreas();
                for (int c = 0; c < area.length; c++) {
                    areas[c] += area[c];
                }
            }
        }
        List<PartAudit.Part> want = loop.parts();
        List<PartAudit.Part> got = a.audit().parts();
        assertEquals(want.size(), got.size());
        long decisive = 0;
        for (int k = 0; k < want.size(); k++) {
            PartAudit.Part w = want.get(k);
            PartAudit.Part g = got.get(k);
            assertEquals(w.name(), g.name());
            assertArrayEquals(w.decisivePixels(), g.decisivePixels(), w.name());
            assertArrayEquals(areas, g.classPixels(), "class pixels are the summed class areas of the images");
            for (int c = 0; c < areas.length; c++) {
                assertEquals(w.meanContribution()[c], g.meanContribution()[c], 1e-12 * (1 + Math.abs(w.meanContribution()[c])));
            }
            assertEquals(w.miouChange(), g.miouChange(), 1e-12);
            decisive += g.decisiveTotal();
        }
        assertTrue(decisive > 0, "some part decides some pixel");
        // the Parquet table: one row per part and predicted class, totals as the audit's
        Path out = dir.resolve("audit.parquet");
        SparkSegmentation.writeParquet(SparkSegmentation.auditTable(spark, a), out.toString(), false);
        Dataset<Row> table = spark.read().parquet(out.toString());
        long predictedClasses = 0;
        for (long v : areas) {
            predictedClasses += v > 0 ? 1 : 0;
        }
        assertEquals(want.size() * predictedClasses, table.count());
        assertEquals(decisive, table.agg(org.apache.spark.sql.functions.sum("decisive_pixels")).first().getLong(0));
    }

    @Test
    void refusalsNameThePath() throws Exception {
        Path missing = dir.resolve("no-such-model.onnx");
        Dataset<Row> in = SparkSegmentation.readImages(spark, images.toString());
        SparkJobException e = assertThrows(SparkJobException.class,
                () -> SparkSegmentation.segment(in, SparkJobOptions.of(missing.toString())));
        assertEquals(ErrorCode.MODEL_UNREADABLE, e.code());
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());

        Path notAModel = dir.resolve("not-a-model.onnx");
        Files.writeString(notAModel, "hello", StandardCharsets.UTF_8);
        ModelFormatException f = assertThrows(ModelFormatException.class,
                () -> SparkSegmentation.segment(in, SparkJobOptions.of(notAModel.toString())));
        assertTrue(f.getMessage().contains(notAModel.toString()), f.getMessage());

        Path empty = Files.createDirectories(dir.resolve("empty"));
        Files.writeString(empty.resolve("notes.txt"), "no images here", StandardCharsets.UTF_8);
        SparkJobException noImages = assertThrows(SparkJobException.class, () -> SparkSegmentation.readImages(spark, empty.toString()));
        assertTrue(noImages.getMessage().contains(empty.toString()) && noImages.getMessage().contains("no image"),
                noImages.getMessage());
        SparkJobException noPath = assertThrows(SparkJobException.class,
                () -> SparkSegmentation.readImages(spark, dir.resolve("nowhere").toString()));
        assertTrue(noPath.getMessage().contains("nowhere"), noPath.getMessage());

        // a label with an id the model does not have, and an image without a label
        Path badLabels = Files.createDirectories(dir.resolve("bad-labels"));
        for (int i = 1; i < IMAGES; i++) {
            Files.copy(labels.resolve("img" + i + ".png"), badLabels.resolve("img" + i + ".png"));
        }
        int[] v = new int[(W + 2) * H];
        v[3 * (W + 2) + 5] = 9;
        writeGrey(badLabels.resolve("img2.png"), v, W + 2, H);
        SparkJobException bad = assertThrows(SparkJobException.class, () -> SparkSegmentation.evaluate(in,
                SparkSegmentation.readLabels(spark, badLabels.toString()), options()));
        assertEquals(ErrorCode.DATASET_INVALID, bad.code());
        assertTrue(bad.getMessage().contains(badLabels.resolve("img2.png").toString())
                && bad.getMessage().contains("has value 9 at (x=5, y=3)"), bad.getMessage());
        assertTrue(bad.getMessage().contains("img0.png has no label"), bad.getMessage());
        assertTrue(bad.getMessage().contains("2 problems"), bad.getMessage());
    }

    @Test
    void anExistingOutputIsRefusedAndAFailedJobLeavesNoOutput() throws Exception {
        Dataset<Row> in = SparkSegmentation.readImages(spark, images.toString());
        Path out = dir.resolve("seg.parquet");
        SparkSegmentation.writeParquet(SparkSegmentation.segment(in, options().withMask(false)), out.toString(), false);
        assertEquals(IMAGES, spark.read().parquet(out.toString()).count());
        assertTrue(Files.exists(out.resolve("_SUCCESS")));
        SparkJobException exists = assertThrows(SparkJobException.class,
                () -> SparkSegmentation.writeParquet(SparkSegmentation.segment(in, options()), out.toString(), false));
        assertEquals(ErrorCode.OUTPUT_EXISTS, exists.code());
        assertTrue(exists.getMessage().contains(out.toString()) && exists.getMessage().contains("--overwrite"));
        SparkSegmentation.writeParquet(SparkSegmentation.segment(in, options().withMask(true)), out.toString(), true);
        assertFalse(spark.read().parquet(out.toString()).first().isNullAt(3), "overwritten with masks");

        // a model that never reached the executors (no segmenter of it open yet): the job fails naming it, and
        // nothing is left behind
        ExecutorSegmenters.closeAll();
        ModelShipment shipped = ModelShipment.ship(spark, options());
        ModelShipment lost = new ModelShipment("never-shipped.onnx", shipped.sha256(), shipped.driverPath(), shipped.card(),
                shipped.options());
        Dataset<Row> failing = in.select("path", "content").mapPartitions(new PartitionJobs.Segment(lost, Evidence.GROUPS),
                Encoders.row(Rows.SEGMENTATION));
        Path failed = dir.resolve("failed.parquet");
        SparkJobException missing = assertThrows(SparkJobException.class,
                () -> SparkSegmentation.writeParquet(failing, failed.toString(), false));
        assertEquals(ErrorCode.MODEL_UNREADABLE, missing.code());
        assertTrue(missing.getMessage().contains("never-shipped.onnx") && missing.getMessage().contains("missing on executor"),
                missing.getMessage());
        assertFalse(Files.exists(failed), "no output after a failed job");
        try (Stream<Path> left = Files.list(dir)) {
            List<String> names = new ArrayList<>();
            left.forEach(p -> names.add(p.getFileName().toString()));
            assertFalse(names.stream().anyMatch(n -> n.contains("inprogress")), "no temporary output left: " + names);
        }
    }

    @Test
    void auditWithoutLabelsHasNoMiouChange() throws Exception {
        SparkAudit a = SparkSegmentation.audit(SparkSegmentation.readImages(spark, images.toString()), null, options());
        Map<String, Long> decisive = new HashMap<>();
        for (PartAudit.Part p : a.audit().parts()) {
            assertTrue(Double.isNaN(p.miouChange()));
            decisive.put(p.name(), p.decisiveTotal());
        }
        SparkAudit labelled = SparkSegmentation.audit(SparkSegmentation.readImages(spark, images.toString()),
                SparkSegmentation.readLabels(spark, labels.toString()), options());
        for (PartAudit.Part p : labelled.audit().parts()) {
            assertEquals(decisive.get(p.name()), p.decisiveTotal(), "labels do not change what decides");
        }
    }
}
