package io.scaleprotoseg.samples;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.scaleprotoseg.sdk.ConfusionMatrix;
import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.ModelCard;
import io.scaleprotoseg.sdk.ModelComparison;
import io.scaleprotoseg.sdk.Segmentation;
import io.scaleprotoseg.sdk.Segmenter;
import io.scaleprotoseg.trainer.checkpoint.TrainedModel;
import io.scaleprotoseg.trainer.data.DatasetException;
import io.scaleprotoseg.trainer.data.ForwardingDataset;
import io.scaleprotoseg.trainer.data.LabelSpace;
import io.scaleprotoseg.trainer.data.Sample;
import io.scaleprotoseg.trainer.data.SegmentationDataset;
import io.scaleprotoseg.trainer.data.Split;
import io.scaleprotoseg.trainer.phase.Evaluator;
import io.scaleprotoseg.trainer.phase.TrainingConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code eval}: the un-augmented mIoU, pixel accuracy and per-class IoU of a trained run on a
 * split (METHOD.md 5), the way the trainer validates, optionally as JSON.
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Evaluates a trained run (--run) or an exported model (--model, FP32 or INT8, through the SDK): mIoU, pixel "
                + "accuracy and per-class IoU on a data split, each image at full resolution without augmentation. With "
                + "--compare REF.onnx, also how far --model lies from REF on the same images: mIoU and per-class IoU deltas, "
                + "mask agreement, evidence drift and top-3 part agreement (ModelComparison).",
            "The model is the run's finished stage (checkpoints/stage2.ckpt, else stage1.ckpt) unless --checkpoint "
                + "names another. The data defaults to the run's own (RUN_DIR/data.json, written by train), else to "
                + "the built-in scenes for runs trained on them; otherwise --data is needed."
        })
final class EvalCommand extends CommandBase {
    /** {@code train}, {@code val}, {@code test}. */
    static final class SplitConverter implements CommandLine.ITypeConverter<Split> {
        @Override
        public Split convert(String value) {
            for (Split s : Split.values()) {
                if (s.id().equalsIgnoreCase(value.strip())) {
                    return s;
                }
            }
            throw new CommandLine.TypeConversionException("unknown split '" + value + "'; use train, val or test");
        }
    }

    @Option(names = "--run", paramLabel = "RUN_DIR", description = "the run directory 'train --out' wrote")
    Path run;

    @Option(names = "--model", paramLabel = "MODEL.onnx",
            description = "evaluate this exported model (FP32 or INT8) through the SDK instead of a run; needs --data")
    Path model;

    @Option(names = "--compare", paramLabel = "REF.onnx",
            description = "with --model: also run this reference model (e.g. the FP32 source of an INT8 model) on the same "
                    + "images and report mIoU and per-class IoU deltas, mask agreement, evidence drift and top-3 agreement")
    Path compare;

    @Option(names = "--checkpoint", paramLabel = "FILE",
            description = "evaluate this checkpoint instead (e.g. RUN_DIR/checkpoints/best.ckpt)")
    Path checkpoint;

    @Mixin
    DataOptions data;

    @Option(names = "--split", defaultValue = "val", converter = SplitConverter.class, paramLabel = "SPLIT",
            description = "val, test or train (default: ${DEFAULT-VALUE})")
    Split split;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N",
            description = "only the first N images (default: 0 = all)")
    int limit;

    @Option(names = "--out", paramLabel = "FILE.json", description = "also write the results as JSON")
    Path json;

    @Mixin
    EngineOptions engine;

    @Mixin
    BackendChoice backend;

    @Override
    int execute() throws Exception {
        if (limit < 0) {
            throw new UserError("--limit must be 0 (all) or positive, got " + limit);
        }
        if ((run == null) == (model == null)) {
            throw new UserError("give either --run RUN_DIR (a trained run, evaluated by the trainer) or --model MODEL.onnx "
                    + "(an exported model, evaluated through the SDK)");
        }
        if (compare != null && model == null) {
            throw new UserError("--compare REF.onnx compares two exported models; give the other one with --model");
        }
        if (model != null) {
            return evaluateModel();
        }
        if (!Files.isDirectory(run)) {
            throw new UserError("--run " + run + ": " + (Files.exists(run) ? "not a directory" : "no such directory"));
        }
        Path file = checkpoint != null ? checkpoint : TrainedModel.finalCheckpoint(run);
        if (checkpoint != null && !Files.isRegularFile(checkpoint)) {
            throw new UserError("--checkpoint " + checkpoint + ": no such file");
        }
        if (json != null && Files.isDirectory(json)) {
            throw new UserError("--out " + json + " is a directory; give a file name such as eval.json");
        }
        EngineOptions.Started started = engine.start();
        try (NDManager manager = NDManager.newBaseManager(started.device());
                TrainedModel model = TrainedModel.load(file, manager)) {
            TrainingConfig cfg = model.config();
            String trainedOn = model.state().dataset();
            SegmentationDataset ds = data.openForRun(run, trainedOn, split, "to evaluate on");
            LabelSpace labels = model.labels();
            int classes = cfg.network().numClasses();
            if (ds.labels().numClasses() != classes) {
                throw new UserError(ds.name() + " has " + ds.labels().numClasses() + " classes, but the model of " + run
                        + " was trained for " + classes + (trainedOn == null ? "" : " on " + trainedOn)
                        + "; evaluate it on data with the same classes");
            }
            int n = limit == 0 ? ds.size() : Math.min(limit, ds.size());
            long t0 = System.nanoTime();
            Evaluator.Result r;
            ProgressLines lines = new ProgressLines(err(), ProgressLines.interactive());
            ProgressBar bar = lines.start("eval", n, 0, " images");
            try {
                r = Evaluator.evaluate(model.network(), counting(ds, bar), limit, manager);
            } finally {
                lines.finish(bar);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            report(file, cfg, trainedOn, ds, r, labels, seconds, started);
            if (json != null) {
                writeJson(file, cfg, trainedOn, ds, r, labels, seconds);
                out().println("written:         " + json.toAbsolutePath().normalize());
            }
        }
        return 0;
    }

    /**
     * {@code eval --model}: each image of the split as the data layer decodes it ({@link Sample#image()},
     * full resolution), {@code Segmenter.segment(image, width, height)} with the default sizing
     * ({@code InputSizing.keep()}), the mask added to a {@link ConfusionMatrix} against
     * {@link Sample#labels()} with the data set's ignore label. A job that evaluates partitions of a
     * split and merges their matrices gets the same figures.
     */
    private int evaluateModel() throws Exception {
        if (engine.device == EngineOptions.Kind.GPU) {
            throw new UserError("--device gpu chooses the trainer's device (--run); for --model choose --backend");
        }
        engine.validate();
        int threads = engine.threads == null ? 0 : engine.threads;
        if (json != null && Files.isDirectory(json)) {
            throw new UserError("--out " + json + " is a directory; give a file name such as eval.json");
        }
        ModelCard card = ModelFiles.readCard(model, "--model");
        ModelCard refCard = compare == null ? null : ModelFiles.readCard(compare, "--compare");
        if (refCard != null && refCard.numClasses() != card.numClasses()) {
            throw new UserError("--compare " + compare + " has " + refCard.numClasses() + " classes, --model " + model + " "
                    + card.numClasses() + "; compare models of the same classes");
        }
        if (!data.given()) {
            throw new UserError("--model " + model + ": give the labelled data to evaluate on with --data DIR (and --format "
                    + "if it is not detected)");
        }
        SegmentationDataset ds = data.open(split, Map.of());
        LabelSpace labels = ds.labels();
        if (labels.numClasses() != card.numClasses()) {
            throw new UserError(ds.name() + " has " + labels.numClasses() + " classes, but --model " + model + " has "
                    + card.numClasses() + "; evaluate it on data with the same classes");
        }
        int n = limit == 0 ? ds.size() : Math.min(limit, ds.size());
        boolean evidence = compare != null && card.method().hasPrototypes() && refCard.method().hasPrototypes();
        Evidence level = evidence ? Evidence.FULL : Evidence.NONE;
        ConfusionMatrix cm = new ConfusionMatrix(card.numClasses(), labels.ignoreLabel());
        ModelComparison cmp = compare == null ? null : new ModelComparison(card.numClasses(), labels.ignoreLabel());
        long t0 = System.nanoTime();
        String backendText;
        ProgressLines lines = new ProgressLines(err(), ProgressLines.interactive());
        ProgressBar bar = lines.start("eval", n, 0, " images");
        try (Segmenter seg = backend.apply(Segmenter.builder().model(model), threads).evidence(level).build();
                Segmenter ref = compare == null ? null
                        : backend.apply(Segmenter.builder().model(compare), threads).evidence(level).build()) {
            backendText = seg.backendInfo().toString();
            for (int i = 0; i < n; i++) {
                Sample s = ds.get(i);
                Segmentation r = seg.segment(s.image(), s.width(), s.height());
                cm.add(s.labels(), r.mask());
                if (ref != null) {
                    cmp.add(ref.segment(s.image(), s.width(), s.height()), r, s.labels());
                }
                bar.step();
            }
        } finally {
            lines.finish(bar);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        var o = out();
        o.println("model:           " + model.toAbsolutePath().normalize() + " (" + card.method().id()
                + (card.quantization() == null ? ", FP32" : ", INT8 (" + card.quantization().method() + ")") + ")");
        o.println("data:            " + ds.name() + ", " + n + " of " + ds.size() + " images");
        o.printf(Locale.ROOT, "mIoU:            %.4f%n", cm.meanIou());
        o.printf(Locale.ROOT, "pixel accuracy:  %.4f%n", cm.pixelAccuracy());
        if (cmp == null) {
            TrainCommand.printClassIou(o, labels, cm.iou());
        } else {
            printComparison(o, labels, cm, cmp);
        }
        o.println("time:            " + TrainCommand.duration(seconds) + " (" + backendText + ")");
        if (json != null) {
            writeModelJson(ds, n, cm, cmp, labels, seconds);
            o.println("written:         " + json.toAbsolutePath().normalize());
        }
        return 0;
    }

    private void printComparison(java.io.PrintWriter o, LabelSpace labels, ConfusionMatrix cm, ModelComparison cmp) {
        ConfusionMatrix ref = cmp.referenceMatrix();
        o.printf(Locale.ROOT, "reference:       %s, mIoU %.4f, pixel accuracy %.4f%n", compare.toAbsolutePath().normalize(),
                ref.meanIou(), ref.pixelAccuracy());
        o.printf(Locale.ROOT, "mIoU delta:      %+.4f (%+.2f points)%n", cmp.meanIouDelta(), 100 * cmp.meanIouDelta());
        o.printf(Locale.ROOT, "mask agreement:  %.4f of %d pixels%n", cmp.maskAgreement(), cmp.pixels());
        if (!Double.isNaN(cmp.contributionMaxDelta())) {
            o.printf(Locale.ROOT, "evidence drift:  part contribution to the decided class |d| max %.4f, mean %.5f%n",
                    cmp.contributionMaxDelta(), cmp.contributionMeanDelta());
            o.printf(Locale.ROOT, "                 prototype g at the decided class |d| max %.4f, mean %.5f%n",
                    cmp.activationMaxDelta(), cmp.activationMeanDelta());
            o.printf(Locale.ROOT, "top-3 agreement: %.4f of pixels (the three strongest parts in the same order)%n",
                    cmp.top3Agreement());
        }
        double[] iou = cm.iou();
        double[] refIou = ref.iou();
        int w = Math.max(5, labels.classes().stream().mapToInt(ci -> ci.name().length()).max().orElse(5));
        o.printf(Locale.ROOT, "  %4s  %-" + w + "s  %6s  %6s  %7s%n", "id", "class", "IoU", "ref", "delta");
        for (ModelCard.ClassInfo ci : labels.classes()) {
            o.printf(Locale.ROOT, "  %4d  %-" + w + "s  %6s  %6s  %7s%n", ci.id(), ci.name(), fmt(iou[ci.id()], "%.4f"),
                    fmt(refIou[ci.id()], "%.4f"), fmt(iou[ci.id()] - refIou[ci.id()], "%+.4f"));
        }
    }

    private static String fmt(double v, String format) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, format, v);
    }

    private void writeModelJson(SegmentationDataset ds, int n, ConfusionMatrix cm, ModelComparison cmp, LabelSpace labels,
            double seconds) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", model.toAbsolutePath().normalize().toString());
        m.put("data", ds.name());
        m.put("split", split.id());
        m.put("images", n);
        m.put("meanIou", cm.meanIou());
        m.put("pixelAccuracy", cm.pixelAccuracy());
        double[] iou = cm.iou();
        double[] refIou = cmp == null ? null : cmp.referenceMatrix().iou();
        List<Map<String, Object>> perClass = new ArrayList<>();
        for (ModelCard.ClassInfo ci : labels.classes()) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("id", ci.id());
            c.put("name", ci.name());
            c.put("iou", nullIfNaN(iou[ci.id()]));
            if (refIou != null) {
                c.put("referenceIou", nullIfNaN(refIou[ci.id()]));
                c.put("iouDelta", nullIfNaN(iou[ci.id()] - refIou[ci.id()]));
            }
            perClass.add(c);
        }
        m.put("classes", perClass);
        if (cmp != null) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("reference", compare.toAbsolutePath().normalize().toString());
            c.put("referenceMeanIou", cmp.referenceMatrix().meanIou());
            c.put("meanIouDelta", cmp.meanIouDelta());
            c.put("maskAgreement", cmp.maskAgreement());
            c.put("contributionMaxDelta", nullIfNaN(cmp.contributionMaxDelta()));
            c.put("contributionMeanDelta", nullIfNaN(cmp.contributionMeanDelta()));
            c.put("activationMaxDelta", nullIfNaN(cmp.activationMaxDelta()));
            c.put("activationMeanDelta", nullIfNaN(cmp.activationMeanDelta()));
            c.put("top3Agreement", nullIfNaN(cmp.top3Agreement()));
            m.put("comparison", c);
        }
        m.put("seconds", seconds);
        Path parent = json.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(json, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m)
                + System.lineSeparator());
    }

    private static Double nullIfNaN(double v) {
        return Double.isNaN(v) ? null : v;
    }

    private void report(Path file, TrainingConfig cfg, String trainedOn, SegmentationDataset ds, Evaluator.Result r,
            LabelSpace labels, double seconds, EngineOptions.Started started) {
        var o = out();
        o.println("checkpoint:      " + file.toAbsolutePath().normalize());
        o.println("model:           " + cfg.network().method().id() + ", preset " + cfg.preset()
                + (trainedOn == null ? "" : ", trained on " + trainedOn));
        o.println("data:            " + ds.name() + ", " + r.images() + " of " + ds.size() + " images");
        o.printf(Locale.ROOT, "mIoU:            %.4f%n", r.meanIou());
        o.printf(Locale.ROOT, "pixel accuracy:  %.4f%n", r.pixelAccuracy());
        TrainCommand.printClassIou(o, labels, r.classIou());
        o.println("time:            " + TrainCommand.duration(seconds) + " (" + started.description() + ")");
    }

    private void writeJson(Path file, TrainingConfig cfg, String trainedOn, SegmentationDataset ds, Evaluator.Result r,
            LabelSpace labels, double seconds) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("run", run.toAbsolutePath().normalize().toString());
        m.put("checkpoint", file.toAbsolutePath().normalize().toString());
        m.put("method", cfg.network().method().id());
        m.put("preset", cfg.preset());
        m.put("trainedOn", trainedOn);
        m.put("data", ds.name());
        m.put("split", split.id());
        m.put("images", r.images());
        m.put("meanIou", r.meanIou());
        m.put("pixelAccuracy", r.pixelAccuracy());
        List<Map<String, Object>> perClass = new ArrayList<>();
        for (ModelCard.ClassInfo ci : labels.classes()) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("id", ci.id());
            c.put("name", ci.name());
            double v = ci.id() < r.classIou().length ? r.classIou()[ci.id()] : Double.NaN;
            // NaN: the class is neither labelled nor predicted in these images
            c.put("iou", Double.isNaN(v) ? null : v);
            perClass.add(c);
        }
        m.put("classes", perClass);
        m.put("seconds", seconds);
        Path parent = json.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(json, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m)
                + System.lineSeparator());
    }

    /** {@code ds}, stepping {@code bar} after each sample the evaluator reads. */
    private static SegmentationDataset counting(SegmentationDataset ds, ProgressBar bar) {
        return new ForwardingDataset(ds) {
            @Override
            public Sample get(int index) throws DatasetException {
                Sample s = ds.get(index);
                bar.step();
                return s;
            }
        };
    }
}
