package io.scaleprotoseg.spark.internal;

import io.scaleprotoseg.sdk.ConfusionMatrix;
import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.Images;
import io.scaleprotoseg.sdk.PartAudit;
import io.scaleprotoseg.sdk.ScaleProtoSegException;
import io.scaleprotoseg.sdk.Segmentation;
import io.scaleprotoseg.sdk.Segmenter;
import java.awt.image.BufferedImage;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;

/** What each partition of the three jobs does, on the executors. */
public final class PartitionJobs {
    /** Problems kept in full per job (the count covers all of them). */
    public static final int PROBLEMS_KEPT = 20;

    private PartitionJobs() {
    }

    /** Segments the rows {@code (path, content)} of a partition, one output row per input row, streamed. */
    public static final class Segment implements MapPartitionsFunction<Row, Row> {
        private static final long serialVersionUID = 1L;
        private final ModelShipment model;
        private final Evidence evidence;

        public Segment(ModelShipment model, Evidence evidence) {
            this.model = model;
            this.evidence = evidence;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> input) throws ScaleProtoSegException {
            if (!input.hasNext()) {
                return input; // an empty partition opens no model
            }
            Segmenter seg = ExecutorSegmenters.get(model, evidence);
            return new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return input.hasNext();
                }

                @Override
                public Row next() {
                    Row r = input.next();
                    String path = r.getString(0);
                    long t0 = System.nanoTime();
                    try {
                        BufferedImage img = Images.read((byte[]) r.get(1), path, model.options().maxPixels());
                        Segmentation s = seg.segment(img);
                        return Rows.segmentation(path, s, model.options().topK(), model.options().includeMask(),
                                System.nanoTime() - t0, model.sha256());
                    } catch (ScaleProtoSegException e) {
                        return Rows.error(path, e.getMessage(), model.sha256());
                    } catch (RuntimeException e) {
                        // a bad image must not fail the job: whatever went wrong with it goes into its row
                        return Rows.error(path, "image file " + path + " failed: " + e, model.sha256());
                    }
                }
            };
        }
    }

    /** Problems of a job's inputs: the first few in full, and how many there were. */
    public static class Problems implements Serializable {
        private static final long serialVersionUID = 1L;
        /** The first problems, each naming its file. */
        public final List<String> kept = new ArrayList<>();
        /** All problems. */
        public long count;

        void add(String problem) {
            if (kept.size() < PROBLEMS_KEPT) {
                kept.add(problem);
            }
            count++;
        }

        public void addAll(Problems other) {
            for (String p : other.kept) {
                if (kept.size() < PROBLEMS_KEPT) {
                    kept.add(p);
                }
            }
            count += other.count;
        }
    }

    /** A partition's part of an evaluation: its confusion matrix, images and problems. */
    public static final class EvalPartial extends Problems {
        private static final long serialVersionUID = 1L;
        public final ConfusionMatrix matrix;
        public long images;

        EvalPartial(ConfusionMatrix matrix) {
            this.matrix = matrix;
        }

        /** Merges two partitions' parts (the counts are exact, so any order gives the same matrix). */
        public static Function2<EvalPartial, EvalPartial, EvalPartial> merge() {
            return (a, b) -> {
                a.matrix.add(b.matrix);
                a.images += b.images;
                a.addAll(b);
                return a;
            };
        }
    }

    /** A partition's part of an audit: its {@link PartAudit}, the images in the order they were added, problems. */
    public static final class AuditPartial extends Problems {
        private static final long serialVersionUID = 1L;
        public final int partition;
        public final PartAudit audit;
        public final List<String> paths = new ArrayList<>();

        AuditPartial(int partition, PartAudit audit) {
            this.partition = partition;
            this.audit = audit;
        }
    }

    /** A paired row: {@code (name, image_path, image, label_path, label)}, either side possibly null. */
    private static String pairProblem(Row r, boolean labelsRequired) {
        if (r.isNullAt(1)) {
            return "label " + r.getString(3) + " has no image of the same name (" + r.getString(0) + ") in the input";
        }
        if (labelsRequired && r.isNullAt(3)) {
            return "image " + r.getString(1) + " has no label: expected a label file named " + r.getString(0)
                    + ".png in the labels";
        }
        return null;
    }

    /** Evaluates the paired rows of a partition into one {@link EvalPartial}. */
    public static final class Evaluate implements FlatMapFunction<Iterator<Row>, EvalPartial> {
        private static final long serialVersionUID = 1L;
        private final ModelShipment model;

        public Evaluate(ModelShipment model) {
            this.model = model;
        }

        @Override
        public Iterator<EvalPartial> call(Iterator<Row> rows) throws ScaleProtoSegException {
            int classes = model.card().numClasses();
            int ignore = Labels.ignoreLabel(model.options().ignoreLabel(), model.card());
            EvalPartial part = new EvalPartial(new ConfusionMatrix(classes, ignore));
            Segmenter seg = null;
            while (rows.hasNext()) {
                Row r = rows.next();
                String problem = pairProblem(r, true);
                if (problem != null) {
                    part.add(problem);
                    continue;
                }
                if (seg == null) {
                    seg = ExecutorSegmenters.get(model, Evidence.NONE);
                }
                String path = r.getString(1);
                try {
                    BufferedImage img = Images.read((byte[]) r.get(2), path, model.options().maxPixels());
                    int[] labels = Labels.read((byte[]) r.get(4), r.getString(3), img.getWidth(), img.getHeight(), classes, ignore,
                            path);
                    part.matrix.add(labels, seg.segment(img).mask());
                    part.images++;
                } catch (ScaleProtoSegException e) {
                    part.add(e.getMessage());
                }
            }
            return List.of(part).iterator();
        }
    }

    /** Audits the paired rows of a partition into one {@link AuditPartial}. */
    public static final class Audit implements Function2<Integer, Iterator<Row>, Iterator<AuditPartial>> {
        private static final long serialVersionUID = 1L;
        private final ModelShipment model;
        private final boolean labelled;

        public Audit(ModelShipment model, boolean labelled) {
            this.model = model;
            this.labelled = labelled;
        }

        @Override
        public Iterator<AuditPartial> call(Integer partition, Iterator<Row> rows) throws ScaleProtoSegException {
            int classes = model.card().numClasses();
            int ignore = Labels.ignoreLabel(model.options().ignoreLabel(), model.card());
            AuditPartial part = new AuditPartial(partition, new PartAudit(model.card()));
            Segmenter seg = null;
            while (rows.hasNext()) {
                Row r = rows.next();
                String problem = pairProblem(r, labelled);
                if (problem != null) {
                    part.add(problem);
                    continue;
                }
                if (seg == null) {
                    seg = ExecutorSegmenters.get(model, Evidence.FULL);
                }
                String path = r.getString(1);
                try {
                    BufferedImage img = Images.read((byte[]) r.get(2), path, model.options().maxPixels());
                    int[] labels = labelled ? Labels.read((byte[]) r.get(4), r.getString(3), img.getWidth(), img.getHeight(),
                            classes, ignore, path) : null;
                    part.audit.add(seg.segment(img), labels);
                    part.paths.add(path);
                } catch (ScaleProtoSegException e) {
                    part.add(e.getMessage());
                }
            }
            return List.of(part).iterator();
        }
    }
}
