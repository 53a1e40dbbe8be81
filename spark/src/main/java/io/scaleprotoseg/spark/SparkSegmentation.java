package io.scaleprotoseg.spark;

import io.scaleprotoseg.sdk.ErrorCode;
import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.ScaleProtoSegException;
import io.scaleprotoseg.spark.internal.ModelShipment;
import io.scaleprotoseg.spark.internal.PartitionJobs;
import io.scaleprotoseg.spark.internal.Rows;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * Segmentation, evaluation and prototype audit of image collections as Spark jobs, on any file
 * system Spark reaches (local, HDFS, S3A with the application's Hadoop configuration).
 *
 * <pre>{@code
 * Dataset<Row> images = SparkSegmentation.readImages(spark, "s3a://bucket/streets/");
 * Dataset<Row> out = SparkSegmentation.segment(images, SparkJobOptions.of("model.onnx"));
 * SparkSegmentation.writeParquet(out, "s3a://bucket/streets-segmented.parquet", false);
 * }</pre>
 *
 * <p><b>How it runs.</b> The driver checks the model (it exists and carries a valid card), hashes it
 * and ships it with {@code SparkContext.addFile}; each executor JVM opens one {@code Segmenter} per
 * model (by SHA-256) and settings on first use, shares it between its tasks and closes it at JVM
 * shutdown. Images are decoded from the bytes of Spark's {@code binaryFile} source with the SDK's
 * decoder, so every figure equals what the SDK gives for the same file on one machine.
 *
 * <p><b>Thread safety.</b> Stateless: the methods may be called from any thread; Spark runs the work.
 */
public final class SparkSegmentation {
    /** The file names {@link #readImages} takes (any case). */
    public static final String IMAGE_GLOB = "*.{png,PNG,jpg,JPG,jpeg,JPEG,bmp,BMP,tif,TIF,tiff,TIFF,gif,GIF}";

    private SparkSegmentation() {
    }

    /**
     * The image files under {@code path} (a file, a directory searched recursively, or a glob) as
     * Spark's {@code binaryFile} rows: {@code path, modificationTime, length, content}.
     *
     * @throws SparkJobException naming the path when it does not exist or holds no image file
     */
    public static Dataset<Row> readImages(SparkSession spark, String path) throws SparkJobException {
        return readFiles(spark, path, IMAGE_GLOB, "image files (.png, .jpg, .jpeg, .bmp, .tif, .gif)");
    }

    /**
     * The label masks under {@code path} (PNG files), as {@link #readImages} reads images.
     *
     * @throws SparkJobException naming the path when it does not exist or holds no PNG file
     */
    public static Dataset<Row> readLabels(SparkSession spark, String path) throws SparkJobException {
        return readFiles(spark, path, "*.{png,PNG}", "label masks (.png)");
    }

    private static Dataset<Row> readFiles(SparkSession spark, String path, String glob, String what) throws SparkJobException {
        try {
            Dataset<Row> files = spark.read().format("binaryFile").option("recursiveFileLookup", "true").option("pathGlobFilter", glob)
                    .load(path);
            if (files.select("path").limit(1).count() > 0) {
                return files;
            }
        } catch (Exception e) { // Spark throws its AnalysisException (checked) undeclared
            throw new SparkJobException(ErrorCode.DATASET_INVALID, "input " + path + " cannot be read: " + e.getMessage(), e);
        }
        throw new SparkJobException(ErrorCode.DATASET_INVALID, "input " + path + " holds no " + what
                + "; give a directory or glob of such files");
    }

    /**
     * Segments every image of {@code images} (rows with the {@code path} and {@code content} columns
     * of Spark's {@code binaryFile} source), lazily: nothing runs before an action on the result.
     * The result has one row per input row with the columns of {@link Rows#SEGMENTATION}: path,
     * width, height, mask (a grey PNG of class ids, or null), classes (per present class: id, name,
     * pixels, fraction, top groups and top prototypes with their mean contributions), backend,
     * inference and total milliseconds, the model's SHA-256 and {@code error}: null when the image
     * succeeded, else why not (a bad image never fails the job).
     *
     * @throws ScaleProtoSegException naming the model file when it is missing or not a valid model
     */
    public static Dataset<Row> segment(Dataset<Row> images, SparkJobOptions options) throws ScaleProtoSegException {
        ModelShipment model = ModelShipment.ship(images.sparkSession(), options);
        Evidence evidence = model.card().method().hasPrototypes() ? options.evidence() : Evidence.NONE;
        return images.select("path", "content").mapPartitions(new PartitionJobs.Segment(model, evidence),
                Encoders.row(Rows.SEGMENTATION));
    }

    /**
     * Evaluates the model on images paired with their label masks by file name without extension
     * ({@code a/x.jpg} with {@code b/x.png}): each partition accumulates a {@code ConfusionMatrix},
     * the driver merges them. Label masks are read by the project's label decoder (one channel,
     * class ids, the void label; see {@link SparkJobOptions#ignoreLabel()}).
     *
     * @throws SparkJobException listing the first problems (and their count) when an image has no
     *     label or a label no image, a name is used twice, an image cannot be decoded, or a label is
     *     not a label mask of the model's classes: nothing is reported then, as the single-machine
     *     evaluation refuses such data
     * @throws ScaleProtoSegException naming the model file when it is missing or not a valid model
     */
    public static SparkEvaluation evaluate(Dataset<Row> images, Dataset<Row> labels, SparkJobOptions options)
            throws ScaleProtoSegException {
        ModelShipment model = ModelShipment.ship(images.sparkSession(), options);
        Dataset<Row> pairs = pair(images, labels);
        PartitionJobs.EvalPartial all = run(() -> pairs.toJavaRDD().mapPartitions(new PartitionJobs.Evaluate(model))
                .reduce(PartitionJobs.EvalPartial.merge()));
        refuse(all, "evaluation");
        return new SparkEvaluation(all.matrix, all.images, model.card(), model.sha256());
    }

    /**
     * Audits the model's parts over the images ({@code io.scaleprotoseg.sdk.PartAudit}: per
     * prototype and group, on how many pixels of each class it is decisive, its mean contribution
     * per class, and with labels the mIoU change without it), one {@code PartAudit} per partition,
     * merged on the driver in partition order.
     *
     * @param labels label masks paired with the images by name, or null for an audit without the
     *     mIoU change
     * @throws SparkJobException listing the first problems, as {@link #evaluate} does, or for a
     *     black-box model (no parts)
     * @throws ScaleProtoSegException naming the model file when it is missing or not a valid model
     */
    public static SparkAudit audit(Dataset<Row> images, Dataset<Row> labels, SparkJobOptions options)
            throws ScaleProtoSegException {
        ModelShipment model = ModelShipment.ship(images.sparkSession(), options);
        if (!model.card().method().hasPrototypes()) {
            throw new SparkJobException(ErrorCode.DATASET_INVALID, "model " + options.model() + " is a "
                    + model.card().method().id() + " (black-box) model: it has no prototypes or groups to audit");
        }
        Dataset<Row> pairs = labels == null ? unpaired(images) : pair(images, labels);
        List<PartitionJobs.AuditPartial> parts = new ArrayList<>(run(() -> pairs.toJavaRDD()
                .mapPartitionsWithIndex(new PartitionJobs.Audit(model, labels != null), false).collect()));
        parts.sort(Comparator.comparingInt(p -> p.partition));
        PartitionJobs.AuditPartial all = parts.get(0);
        for (PartitionJobs.AuditPartial p : parts.subList(1, parts.size())) {
            all.audit.merge(p.audit);
            all.paths.addAll(p.paths);
            all.addAll(p);
        }
        refuse(all, "audit");
        return new SparkAudit(all.audit, model.card(), all.paths, model.sha256());
    }

    /** The audit as a table ({@link Rows#AUDIT}): one row per part and class predicted somewhere. */
    public static Dataset<Row> auditTable(SparkSession spark, SparkAudit audit) {
        return spark.createDataFrame(Rows.audit(audit.audit(), audit.card(), audit.modelSha256()), Rows.AUDIT);
    }

    /** The evaluation as a table ({@link Rows#EVALUATION}): one row per class. */
    public static Dataset<Row> evaluationTable(SparkSession spark, SparkEvaluation e) {
        List<Row> rows = new ArrayList<>();
        int c = e.matrix().classes();
        double[] iou = e.iou();
        for (int k = 0; k < c; k++) {
            long tp = e.matrix().count(k, k);
            long row = 0;
            long col = 0;
            for (int j = 0; j < c; j++) {
                row += e.matrix().count(k, j);
                col += e.matrix().count(j, k);
            }
            rows.add(RowFactory.create(k, e.card().className(k), Double.isNaN(iou[k]) ? null : iou[k], tp, row + col - tp, row,
                    col, e.meanIou(), e.pixelAccuracy(), e.images(), e.modelSha256()));
        }
        return spark.createDataFrame(rows, Rows.EVALUATION);
    }

    /**
     * Writes a table as Parquet at {@code out} so that a failed job leaves nothing that looks
     * complete: Spark's committer writes into a sibling temporary directory, which is renamed to
     * {@code out} once the job has committed (an existing {@code out} is removed only then).
     *
     * @throws SparkJobException (code OUTPUT_EXISTS) naming the path when it exists and
     *     {@code overwrite} is false; naming the path and the first failure when the job fails
     */
    public static void writeParquet(Dataset<Row> table, String out, boolean overwrite) throws ScaleProtoSegException {
        SparkSession spark = table.sparkSession();
        org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(out);
        FileSystem fs;
        try {
            fs = target.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (fs.exists(target) && !overwrite) {
                throw new SparkJobException(ErrorCode.OUTPUT_EXISTS, "output " + out
                        + " exists already; give --overwrite (writeParquet(..., true)) to replace it, or another path");
            }
        } catch (IOException e) {
            throw new SparkJobException(ErrorCode.DATASET_INVALID, "output " + out + " cannot be checked: " + e, e);
        }
        org.apache.hadoop.fs.Path tmp = new org.apache.hadoop.fs.Path(target.getParent(),
                "." + target.getName() + ".inprogress-" + UUID.randomUUID());
        try {
            run(() -> {
                table.write().mode(SaveMode.ErrorIfExists).parquet(tmp.toString());
                return null;
            });
            if (fs.exists(target) && !fs.delete(target, true)) {
                throw new SparkJobException(ErrorCode.OUTPUT_EXISTS, "output " + out + " could not be removed to be replaced");
            }
            if (!fs.rename(tmp, target)) {
                throw new SparkJobException(ErrorCode.DATASET_INVALID, "the finished output " + tmp + " could not be renamed to "
                        + out);
            }
        } catch (IOException e) {
            throw new SparkJobException(ErrorCode.DATASET_INVALID, "output " + out + " cannot be written: " + e, e);
        } finally {
            try {
                fs.delete(tmp, true);
            } catch (IOException e) {
                // the temporary directory is hidden (dot name) and not the output: leave it
            }
        }
    }

    /** Images and labels paired by name: {@code name, image_path, image, label_path, label}, full outer. */
    private static Dataset<Row> pair(Dataset<Row> images, Dataset<Row> labels) throws SparkJobException {
        Dataset<Row> i = named(images).select(functions.col("name"), functions.col("path").as("image_path"),
                functions.col("content").as("image"));
        Dataset<Row> l = named(labels).select(functions.col("name"), functions.col("path").as("label_path"),
                functions.col("content").as("label"));
        unique(i, "image_path", "image");
        unique(l, "label_path", "label");
        return i.join(l, i.col("name").equalTo(l.col("name")), "full_outer")
                .select(functions.coalesce(i.col("name"), l.col("name")).as("name"), i.col("image_path"), i.col("image"),
                        l.col("label_path"), l.col("label"));
    }

    private static Dataset<Row> unpaired(Dataset<Row> images) {
        return named(images).select(functions.col("name"), functions.col("path").as("image_path"),
                functions.col("content").as("image"), functions.lit(null).cast("string").as("label_path"),
                functions.lit(null).cast("binary").as("label"));
    }

    private static Dataset<Row> named(Dataset<Row> files) {
        Column name = functions.regexp_extract(functions.col("path"), "([^/]+?)(\\.[^./]*)?$", 1);
        return files.withColumn("name", name);
    }

    /** Two files of one name cannot be paired: refused as the folder data sets refuse them (only the paths are read). */
    private static void unique(Dataset<Row> named, String pathColumn, String kind) throws SparkJobException {
        List<Row> dup = named.groupBy("name").agg(functions.count("*").as("n"), functions.min(pathColumn).as("a"),
                functions.max(pathColumn).as("b")).where("n > 1").limit(PartitionJobs.PROBLEMS_KEPT).collectAsList();
        if (!dup.isEmpty()) {
            StringBuilder sb = new StringBuilder(dup.size() + (dup.size() == 1 ? " name is" : " names are")
                    + " used by two " + kind + " files, so images and labels cannot be paired by name:");
            for (Row r : dup) {
                sb.append("\n  ").append(r.getString(0)).append(": ").append(r.getString(2)).append(" and ").append(r.getString(3));
            }
            throw new SparkJobException(ErrorCode.DATASET_INVALID, sb.toString());
        }
    }

    private static void refuse(PartitionJobs.Problems p, String job) throws SparkJobException {
        if (p.count == 0) {
            return;
        }
        List<String> kept = new ArrayList<>(p.kept);
        kept.sort(Comparator.naturalOrder());
        StringBuilder sb = new StringBuilder("the " + job + " refuses the data: " + p.count + " problem" + (p.count == 1 ? "" : "s"));
        for (String s : kept) {
            sb.append("\n  ").append(s);
        }
        if (p.count > kept.size()) {
            sb.append("\n  ... and ").append(p.count - kept.size()).append(" more");
        }
        throw new SparkJobException(ErrorCode.DATASET_INVALID, sb.toString());
    }

    /**
     * Runs a Spark action; a job that failed because of one of this SDK's errors (say, the model
     * missing on an executor) is reported with that error's message rather than Spark's wrapper.
     */
    static <T> T run(Supplier<T> action) throws ScaleProtoSegException {
        try {
            return action.get();
        } catch (Exception e) { // Spark throws its SparkException (checked) undeclared
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof ScaleProtoSegException s) {
                    throw new SparkJobException(s.code(), s.getMessage(), e);
                }
            }
            if (e instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("the Spark job failed: " + e.getMessage(), e);
        }
    }
}
