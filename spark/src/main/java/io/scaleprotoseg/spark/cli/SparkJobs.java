package io.scaleprotoseg.spark.cli;

import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.PartAudit;
import io.scaleprotoseg.sdk.ScaleProtoSegException;
import io.scaleprotoseg.spark.SparkAudit;
import io.scaleprotoseg.spark.SparkEvaluation;
import io.scaleprotoseg.spark.SparkJobOptions;
import io.scaleprotoseg.spark.SparkSegmentation;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** The jobs of {@link SparkCommand}, once Spark is known to be on the class path. */
final class SparkJobs {
    private SparkJobs() {
    }

    private static SparkSession session(SparkCommand.Common c, String job) {
        // Spark's launcher sets this for Netty's direct buffers; a plain java -jar does not
        System.setProperty("io.netty.tryReflectionSetAccessible", "true");
        SparkConf conf = new SparkConf().setAppName("scaleprotoseg spark " + job);
        if (c.master != null) {
            conf.setMaster(c.master);
        } else if (!conf.contains("spark.master")) {
            conf.setMaster("local[*]");
        }
        if (!conf.contains("spark.ui.enabled") && conf.get("spark.master", "").startsWith("local")) {
            conf.set("spark.ui.enabled", "false");
        }
        c.conf.forEach(conf::set);
        return SparkSession.builder().config(conf).getOrCreate();
    }

    private static SparkJobOptions options(SparkCommand.Common c) {
        return SparkJobOptions.of(c.model).withIntraOpThreads(c.threads).withSizing(c.size).withMaxPixels(c.maxPixels)
                .withBackend(c.backend());
    }

    private static Dataset<Row> images(SparkSession spark, SparkCommand.Common c) throws ScaleProtoSegException {
        Dataset<Row> in = SparkSegmentation.readImages(spark, c.input);
        return c.partitions > 0 ? in.repartition(c.partitions) : in;
    }

    static int segment(SparkCommand.Common c, Evidence evidence, int top, boolean mask, PrintWriter out)
            throws ScaleProtoSegException {
        SparkSession spark = session(c, "segment");
        try {
            long t0 = System.nanoTime();
            SparkJobOptions o = options(c).withEvidence(evidence).withTopK(top).withMask(mask);
            SparkSegmentation.writeParquet(SparkSegmentation.segment(images(spark, c), o), c.out, c.overwrite);
            Dataset<Row> written = spark.read().parquet(c.out);
            long rows = written.count();
            long errors = written.where("error IS NOT NULL").count();
            out.printf(Locale.ROOT, "segmented %d images (%d with an error) in %.1f s -> %s%n", rows, errors,
                    (System.nanoTime() - t0) / 1e9, c.out);
            for (Row r : written.where("error IS NOT NULL").select("error").limit(5).collectAsList()) {
                out.println("  error: " + r.getString(0));
            }
            return 0;
        } finally {
            spark.stop();
        }
    }

    static int eval(SparkCommand.Common c, String labels, int ignore, PrintWriter out) throws ScaleProtoSegException {
        SparkSession spark = session(c, "eval");
        try {
            SparkEvaluation e = SparkSegmentation.evaluate(images(spark, c), SparkSegmentation.readLabels(spark, labels),
                    options(c).withIgnoreLabel(ignore));
            SparkSegmentation.writeParquet(SparkSegmentation.evaluationTable(spark, e), c.out, c.overwrite);
            out.printf(Locale.ROOT, "images %d, mIoU %.4f, pixel accuracy %.4f -> %s%n", e.images(), e.meanIou(),
                    e.pixelAccuracy(), c.out);
            double[] iou = e.iou();
            for (int k = 0; k < iou.length; k++) {
                out.printf(Locale.ROOT, "  %-20s %s%n", e.card().className(k), Double.isNaN(iou[k]) ? "n/a" : String.format(Locale.ROOT,
                        "%.4f", iou[k]));
            }
            return 0;
        } finally {
            spark.stop();
        }
    }

    static int audit(SparkCommand.Common c, String labels, int ignore, PrintWriter out) throws ScaleProtoSegException {
        SparkSession spark = session(c, "audit");
        try {
            SparkAudit a = SparkSegmentation.audit(images(spark, c), labels == null ? null : SparkSegmentation.readLabels(spark,
                    labels), options(c).withIgnoreLabel(ignore));
            Dataset<Row> table = SparkSegmentation.auditTable(spark, a);
            SparkSegmentation.writeParquet(table, c.out, c.overwrite);
            out.printf(Locale.ROOT, "audited %d parts on %d images -> %s%n", a.audit().parts().size(), a.paths().size(), c.out);
            // the data set level answer: per class, the parts decisive on most of its pixels
            for (int cls = 0; cls < a.card().numClasses(); cls++) {
                final int k = cls;
                List<PartAudit.Part> parts = new ArrayList<>(a.audit().parts());
                if (parts.isEmpty() || parts.get(0).classPixels()[k] == 0) {
                    continue;
                }
                parts.sort(Comparator.comparingLong((PartAudit.Part p) -> -p.decisivePixels()[k]));
                StringBuilder sb = new StringBuilder();
                for (PartAudit.Part p : parts.subList(0, Math.min(3, parts.size()))) {
                    if (p.decisivePixels()[k] > 0) {
                        sb.append(String.format(Locale.ROOT, "  %s (%.1f%%, mean %.3f)", p.name(), 100 * p.decisiveShare(k),
                                p.meanContribution()[k]));
                    }
                }
                out.printf(Locale.ROOT, "  %-16s decided by:%s%n", a.card().className(k), sb.length() == 0 ? " no single part" : sb);
            }
            return 0;
        } finally {
            spark.stop();
        }
    }
}
