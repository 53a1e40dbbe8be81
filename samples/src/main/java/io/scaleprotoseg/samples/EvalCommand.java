package io.scaleprotoseg.samples;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.scaleprotoseg.sdk.ModelCard;
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
            "Evaluates a trained run: mIoU, pixel accuracy and per-class IoU on a data split, each image at full "
                + "resolution without augmentation.",
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

    @Option(names = "--run", required = true, paramLabel = "RUN_DIR", description = "the run directory 'train --out' wrote")
    Path run;

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

    @Override
    int execute() throws Exception {
        if (limit < 0) {
            throw new UserError("--limit must be 0 (all) or positive, got " + limit);
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
