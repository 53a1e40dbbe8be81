package io.scaleprotoseg.spark.internal;

import io.scaleprotoseg.sdk.ModelCard;
import io.scaleprotoseg.sdk.PartAudit;
import io.scaleprotoseg.sdk.Segmentation;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** The tables the jobs write, and their rows. */
public final class Rows {
    private Rows() {
    }

    private static StructField field(String name, org.apache.spark.sql.types.DataType type, boolean nullable) {
        return new StructField(name, type, nullable, Metadata.empty());
    }

    /** A group's mean contribution to a class over the class's pixels ({@link Segmentation.GroupSummary}). */
    public static final StructType GROUP = new StructType(new StructField[] {
        field("class_id", DataTypes.IntegerType, false),
        field("index", DataTypes.IntegerType, false),
        field("mean_contribution", DataTypes.DoubleType, false)});

    /** A prototype's mean contribution to a class over the class's pixels ({@link Segmentation.PrototypeSummary}). */
    public static final StructType PROTOTYPE = new StructType(new StructField[] {
        field("id", DataTypes.IntegerType, false),
        field("class_id", DataTypes.IntegerType, false),
        field("scale", DataTypes.IntegerType, false),
        field("mean_contribution", DataTypes.DoubleType, false)});

    /** One class present in an image: its area and strongest evidence ({@link Segmentation.ClassSummary}). */
    public static final StructType CLASS = new StructType(new StructField[] {
        field("class_id", DataTypes.IntegerType, false),
        field("class_name", DataTypes.StringType, false),
        field("pixels", DataTypes.LongType, false),
        field("fraction", DataTypes.DoubleType, false),
        field("top_groups", new ArrayType(GROUP, false), false),
        field("top_prototypes", new ArrayType(PROTOTYPE, false), false)});

    /** The segmentation table: one row per input file, {@code error} null when it succeeded. */
    public static final StructType SEGMENTATION = new StructType(new StructField[] {
        field("path", DataTypes.StringType, false),
        field("width", DataTypes.IntegerType, true),
        field("height", DataTypes.IntegerType, true),
        field("mask", DataTypes.BinaryType, true),
        field("classes", new ArrayType(CLASS, false), true),
        field("backend", DataTypes.StringType, true),
        field("inference_ms", DataTypes.DoubleType, true),
        field("total_ms", DataTypes.DoubleType, true),
        field("model_sha256", DataTypes.StringType, false),
        field("error", DataTypes.StringType, true)});

    /** The evaluation table: one row per class, with the whole data set's figures repeated. */
    public static final StructType EVALUATION = new StructType(new StructField[] {
        field("class_id", DataTypes.IntegerType, false),
        field("class_name", DataTypes.StringType, false),
        field("iou", DataTypes.DoubleType, true),
        field("intersection", DataTypes.LongType, false),
        field("union", DataTypes.LongType, false),
        field("labelled_pixels", DataTypes.LongType, false),
        field("predicted_pixels", DataTypes.LongType, false),
        field("miou", DataTypes.DoubleType, false),
        field("pixel_accuracy", DataTypes.DoubleType, false),
        field("images", DataTypes.LongType, false),
        field("model_sha256", DataTypes.StringType, false)});

    /** The audit table: one row per part and class predicted somewhere. */
    public static final StructType AUDIT = new StructType(new StructField[] {
        field("part", DataTypes.StringType, false),
        field("kind", DataTypes.StringType, false),
        field("prototype_id", DataTypes.IntegerType, true),
        field("group_index", DataTypes.IntegerType, true),
        field("part_class_id", DataTypes.IntegerType, false),
        field("part_class_name", DataTypes.StringType, false),
        field("scale", DataTypes.IntegerType, true),
        field("class_id", DataTypes.IntegerType, false),
        field("class_name", DataTypes.StringType, false),
        field("class_pixels", DataTypes.LongType, false),
        field("decisive_pixels", DataTypes.LongType, false),
        field("decisive_share", DataTypes.DoubleType, false),
        field("mean_contribution", DataTypes.DoubleType, false),
        field("miou_change", DataTypes.DoubleType, true),
        field("images", DataTypes.LongType, false),
        field("model_sha256", DataTypes.StringType, false)});

    /** The row of a segmented image. */
    public static Row segmentation(String path, Segmentation s, int topK, boolean mask, long totalNanos, String sha) {
        Segmentation.Summary sum = s.summary(topK);
        List<Row> classes = new ArrayList<>();
        for (Segmentation.ClassSummary c : sum.classes()) {
            Row[] groups = new Row[c.topGroups().size()];
            for (int i = 0; i < groups.length; i++) {
                Segmentation.GroupSummary g = c.topGroups().get(i);
                groups[i] = RowFactory.create(g.classId(), g.index(), g.meanContribution());
            }
            Row[] protos = new Row[c.topPrototypes().size()];
            for (int i = 0; i < protos.length; i++) {
                Segmentation.PrototypeSummary p = c.topPrototypes().get(i);
                protos[i] = RowFactory.create(p.id(), p.classId(), p.scale(), p.meanContribution());
            }
            classes.add(RowFactory.create(c.id(), c.name(), c.pixels(), c.fraction(), groups, protos));
        }
        return RowFactory.create(path, s.width(), s.height(), mask ? maskPng(s.mask(), s.width(), s.height()) : null,
                classes.toArray(new Row[0]), s.backend().cliName(), s.inferenceNanos() / 1e6, totalNanos / 1e6, sha, null);
    }

    /** The row of an input that could not be segmented. */
    public static Row error(String path, String error, String sha) {
        return RowFactory.create(path, null, null, null, null, null, null, null, sha, error);
    }

    /**
     * A mask as a grey PNG of class ids (8-bit; 16-bit for models of more than 256 classes): the
     * format label masks have, so a mask reads back with the SDK's label decoder.
     */
    public static byte[] maskPng(int[] mask, int width, int height) {
        int max = 0;
        for (int v : mask) {
            max = Math.max(max, v);
        }
        BufferedImage img = new BufferedImage(width, height, max <= 255 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_USHORT_GRAY);
        img.getRaster().setSamples(0, 0, width, height, 0, mask);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(img, "png", out)) {
                throw new IllegalStateException("no PNG writer in this JVM");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The rows of an audit: each part against each class predicted somewhere. */
    public static List<Row> audit(PartAudit audit, ModelCard card, String sha) {
        List<Row> rows = new ArrayList<>();
        for (PartAudit.Part p : audit.parts()) {
            boolean proto = p.group() == null;
            for (int c = 0; c < card.numClasses(); c++) {
                if (p.classPixels()[c] == 0) {
                    continue;
                }
                rows.add(RowFactory.create(p.name(), proto ? "prototype" : "group", proto ? p.prototypeId() : null,
                        proto ? null : p.group().index(), p.classId(), card.className(p.classId()), proto ? p.scale() : null, c,
                        card.className(c), p.classPixels()[c], p.decisivePixels()[c], p.decisiveShare(c),
                        p.meanContribution()[c], Double.isNaN(p.miouChange()) ? null : p.miouChange(), (long) audit.images(), sha));
            }
        }
        return rows;
    }
}
