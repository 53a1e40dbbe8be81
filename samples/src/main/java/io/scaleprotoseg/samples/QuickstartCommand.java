package io.scaleprotoseg.samples;

import io.scaleprotoseg.graph.InferenceGraphWriter;
import io.scaleprotoseg.samples.quickstart.ColourPrototypeModel;
import io.scaleprotoseg.samples.quickstart.SceneClass;
import io.scaleprotoseg.samples.quickstart.StreetScenes;
import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.BackendInfo;
import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.PixelExplanation;
import io.scaleprotoseg.sdk.Segmentation;
import io.scaleprotoseg.sdk.Segmenter;
import java.awt.Rectangle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code quickstart}: the whole deployment path on a fresh machine, without training. Builds a
 * hand-specified colour-prototype ScaleProtoSeg model with the exporter's graph writer, generates
 * labelled street scenes, segments them through the SDK, explains a car pixel, and reports pixel
 * accuracy against the known labels.
 */
@Command(name = "quickstart", mixinStandardHelpOptions = true,
        description = {
            "Runs the deployment path end to end on a hand-specified model, without training.",
            "Writes a colour-prototype ScaleProtoSeg model (OUT/model.onnx), synthetic street scenes "
                + "(OUT/images) with their labels (OUT/labels), their masks, overlays and JSON "
                + "(OUT/segment) and the explanation of a car pixel (OUT/explain), and prints pixel "
                + "accuracy against the labels and latency."
        })
final class QuickstartCommand extends CommandBase {
    /** Size of the generated scenes (multiples of the output stride, so cells tile them exactly). */
    static final int WIDTH = 480;
    static final int HEIGHT = 360;

    @Option(names = "--out", defaultValue = "quickstart-out", paramLabel = "DIR",
            description = "output directory (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--images", defaultValue = "4", paramLabel = "N", description = "scenes to generate (default: ${DEFAULT-VALUE})")
    int images;

    @Option(names = "--seed", defaultValue = "7", paramLabel = "SEED", description = "seed of the scene generator (default: ${DEFAULT-VALUE})")
    long seed;

    @Mixin
    BackendOptions backend;

    /** The accuracy of one scene. */
    private record Row(String image, double accuracy, double majority, double latencyMs) {
    }

    @Override
    int execute() throws Exception {
        if (images < 1 || images > 100) {
            throw new UserError("--images must lie in 1..100, got " + images);
        }
        Path imageDir = Files.createDirectories(out.resolve("images"));
        // labels apart from the images, so that 'segment --input OUT/images' takes just the scenes
        Path labelDir = Files.createDirectories(out.resolve("labels"));
        Path segmentDir = Files.createDirectories(out.resolve("segment"));
        Path explainDir = out.resolve("explain");
        Path model = out.resolve("model.onnx");
        InferenceGraphWriter.write(ColourPrototypeModel.build(), model);

        List<StreetScenes.Scene> scenes = StreetScenes.generate(seed, images, WIDTH, HEIGHT);
        for (StreetScenes.Scene sc : scenes) {
            Png.write(sc.image(), imageDir.resolve(sc.name() + ".png"));
            Png.write(Png.maskImage(sc.labels(), sc.width(), sc.height(), SceneClass.ALL.size()),
                    labelDir.resolve(sc.name() + ".png"));
        }

        List<Row> rows = new ArrayList<>();
        ExplainReport.Written explained;
        String backendLine;
        PixelExplanation why;
        // full evidence: the JSON summaries then list prototypes too, and one session serves both jobs
        try (Segmenter seg = backend.apply(Segmenter.builder().model(model)).evidence(Evidence.FULL).build()) {
            BackendInfo info = seg.backendInfo();
            // one line: why each other backend was skipped is in 'scaleprotoseg info --backends'
            backendLine = info.backend().cliName() + ": " + info.description() + (info.skipped().isEmpty() ? ""
                    : " (" + String.join(", ", info.skipped().keySet().stream().map(Backend::cliName).toList())
                            + " not available here; scaleprotoseg info --backends says why)");
            Segmentation first = null;
            for (StreetScenes.Scene sc : scenes) {
                Segmentation s = seg.segment(sc.image());
                SegmentOutputs.write(segmentDir, sc.name(), sc.image(), s, 5);
                rows.add(new Row(sc.name() + ".png", accuracy(s.mask(), sc.labels()), majorityShare(sc.labels()),
                        s.inferenceNanos() / 1e6));
                first = first == null ? s : first;
            }
            StreetScenes.Scene sc = scenes.get(0);
            Rectangle car = sc.largestCar();
            int x = car.x + car.width / 2;
            int y = car.y + car.height / 2;
            why = first.explain(x, y);
            explained = ExplainReport.write(explainDir, model, seg.backendInfo(), sc.image(), first, why);
        }

        var o = out();
        o.println("backend: " + backendLine);
        o.printf(Locale.ROOT, "%-12s  %9s  %14s  %16s  %10s%n", "image", "size", "pixel accuracy", "majority class", "latency ms");
        double sum = 0;
        for (Row r : rows) {
            o.printf(Locale.ROOT, "%-12s  %9s  %13.1f%%  %15.1f%%  %10.1f%n", r.image, WIDTH + "x" + HEIGHT, 100 * r.accuracy,
                    100 * r.majority, r.latencyMs);
            sum += r.accuracy;
        }
        o.printf(Locale.ROOT, "%-12s  %9s  %13.1f%%%n", "mean", "", 100 * sum / rows.size());
        o.printf(Locale.ROOT, "explained pixel (%d, %d) of %s.png: class %s, cell logit %s%n", why.x(), why.y(),
                scenes.get(0).name(), why.className(), Html.num(why.logit()));
        o.println("written:");
        o.println("  model         " + abs(model));
        o.println("  images        " + abs(imageDir));
        o.println("  labels        " + abs(labelDir) + " (class ids as grey, the ground truth)");
        o.println("  segmentation  " + abs(segmentDir) + " (*_mask.png, *_overlay.png, *.json)");
        o.println("  explanation   " + abs(explained.html()));
        o.println("                " + abs(explained.json()));
        o.println("next: scaleprotoseg info " + model);
        return 0;
    }

    /** Share of pixels whose predicted class equals the label. */
    static double accuracy(int[] mask, int[] labels) {
        long hit = 0;
        for (int i = 0; i < mask.length; i++) {
            hit += mask[i] == labels[i] ? 1 : 0;
        }
        return hit / (double) mask.length;
    }

    /** The accuracy of always answering the most frequent class: the bar to clear. */
    static double majorityShare(int[] labels) {
        long[] counts = new long[SceneClass.ALL.size()];
        for (int l : labels) {
            counts[l]++;
        }
        long max = 0;
        for (long c : counts) {
            max = Math.max(max, c);
        }
        return max / (double) labels.length;
    }

    private static Path abs(Path p) {
        return p.toAbsolutePath().normalize();
    }
}
