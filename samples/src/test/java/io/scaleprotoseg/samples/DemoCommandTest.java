package io.scaleprotoseg.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scaleprotoseg.sdk.ModelCard;
import io.scaleprotoseg.sdk.ModelKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code demo}, {@code export} and {@code info} on trained models: one shortened demo (a budget far
 * too small, so every phase gets the minimum of 3 updates; 8 / 4 / 3 scenes of 64x48) shared by
 * the tests, run again to check that it reuses everything, and its runs exported and inspected.
 */
class DemoCommandTest {
    @TempDir
    static Path dir;
    static Path demo;
    static Cli.Result first;

    static final List<Object> SHORT = List.of("--minutes", 0.01, "--scenes-train", 8, "--scenes-val", 4, "--scenes-test", 3,
            "--image-size", "64x48", "--threads", 1);

    /** One table line: model, test mIoU, prototypes, prototypes per group, latency, evidence latency, parity. */
    static final Pattern ROW = Pattern.compile("(?m)^(scaleprotoseg|protoseg|deeplabv2)\\s+([01]\\.\\d{4})\\s+(\\d+|-)\\s+"
            + "(\\d+\\.\\d\\d|-)\\s+(\\d+\\.\\d\\d)\\s+(\\d+\\.\\d\\d|-)\\s+(\\d\\.\\de[-+]\\d\\d) rel, (\\d+\\.\\d\\d)%$");

    @BeforeAll
    static void runOnce() {
        demo = dir.resolve("demo");
        first = demo(demo);
    }

    private static Cli.Result demo(Path out) {
        List<Object> args = new ArrayList<>(List.of("demo", "--out", out));
        args.addAll(SHORT);
        return Cli.run(args.toArray());
    }

    private static Map<String, Matcher> rows(String out) {
        Map<String, Matcher> rows = new LinkedHashMap<>();
        Matcher m = ROW.matcher(out);
        while (m.find()) {
            Matcher copy = ROW.matcher(m.group());
            assertTrue(copy.find());
            rows.put(m.group(1), copy);
        }
        return rows;
    }

    @Test
    void aShortDemoTrainsExportsSegmentsAndReportsThreeModels() throws Exception {
        Cli.Result r = first;
        assertEquals(0, r.exit(), r::toString);
        Map<String, Matcher> rows = rows(r.out());
        assertEquals(List.of("scaleprotoseg", "protoseg", "deeplabv2"), List.copyOf(rows.keySet()), r::toString);
        Matcher sps = rows.get("scaleprotoseg");
        assertTrue(Integer.parseInt(sps.group(3)) > 0, "prototypes in use: " + r);
        assertTrue(Double.parseDouble(sps.group(4)) >= 1, "prototypes per group: " + r);
        assertTrue(Double.parseDouble(sps.group(7)) <= 1e-3, "parity within the bound: " + r);
        assertTrue(Double.parseDouble(sps.group(8)) >= 99.9, "mask agreement: " + r);
        assertEquals("-", rows.get("deeplabv2").group(3), "no prototypes in the black box: " + r);
        assertEquals("-", rows.get("protoseg").group(4), "no groups in ProtoSeg: " + r);
        assertTrue(r.out().contains("wall time:"), r::toString);
        assertTrue(r.out().contains("of the DeepLabv2 baseline's test mIoU"), r::toString);

        // the budget was far too small: the smallest schedules, and said so
        String err = r.err();
        assertTrue(err.contains("the smallest schedules, 3 updates per phase"), err);
        assertTrue(err.contains("scaleprotoseg (1/3): warmup 3, joint 3, finetune 3, group-warmup 3, group-joint 3 updates"),
                err);
        for (String phase : List.of("warmup", "joint", "finetune", "group-warmup", "group-joint", "finetune-after-prune")) {
            assertTrue(err.contains("\n" + phase + " 100%"), phase + " bar in\n" + err);
        }
        assertTrue(err.contains("speed: ") && err.contains("ms per DeepLabv2 joint update with 1 PyTorch thread"), err);

        // data in the generic folder format, runs, models with parity figures in their cards
        assertTrue(Files.isRegularFile(demo.resolve("data/classes.txt")));
        assertTrue(Files.isRegularFile(demo.resolve("data/test/images/test_00002.png")));
        assertTrue(Files.isRegularFile(demo.resolve("data/train/masks/train_00007.png")));
        assertTrue(Files.isRegularFile(demo.resolve("runs/scaleprotoseg/checkpoints/stage2.ckpt")));
        assertTrue(Files.isRegularFile(demo.resolve("runs/protoseg/checkpoints/stage1.ckpt")));
        assertTrue(Files.isRegularFile(demo.resolve("runs/deeplabv2/checkpoints/stage1.ckpt")));
        for (ModelKind kind : DemoCommand.MODELS) {
            ModelCard card = ModelCard.read(demo.resolve("models/" + kind.id() + ".onnx"));
            assertEquals(kind, card.method());
            Map<String, String> notes = card.provenance().notes();
            assertEquals("4", notes.get("parity.images"), kind + ": " + notes);
            assertTrue(Double.parseDouble(notes.get("parity.relativeLogitDifference")) <= 1e-3, notes::toString);
            assertTrue(Double.parseDouble(notes.get("parity.maskAgreement")) >= 0.999, notes::toString);
        }

        // ScaleProtoSeg's segmentation of the test split, and three explained pixels
        for (int i = 0; i < 3; i++) {
            String id = String.format("test_%05d", i);
            for (String suffix : List.of("_mask.png", "_overlay.png", ".json")) {
                assertTrue(Files.isRegularFile(demo.resolve("segment").resolve(id + suffix)), id + suffix);
            }
        }
        try (Stream<Path> pages = Files.list(demo.resolve("explain"))) {
            assertEquals(3, pages.filter(p -> Files.isRegularFile(p.resolve("explain.html"))).count());
        }

        // the report: self-contained, with the table's numbers for all three models
        String html = Files.readString(demo.resolve("report.html"));
        for (Map.Entry<String, Matcher> e : rows.entrySet()) {
            assertTrue(html.contains("<tr><td>" + e.getKey() + "</td><td class=\"n\">" + e.getValue().group(2) + "</td>"),
                    "mIoU of " + e.getKey() + " in the report's table");
            assertTrue(html.contains("<td class=\"n\">" + e.getValue().group(5) + "</td>"), "latency of " + e.getKey());
        }
        assertTrue(html.contains("<img class=\"chart\" alt=\"loss terms of scaleprotoseg\" src=\"data:image/png;base64,"), "curves");
        assertTrue(html.contains("alt=\"validation mIoU of deeplabv2\""), "validation curve");
        assertTrue(html.contains("alt=\"group graph of car\"") || html.contains("no active group"), "group graphs");
        assertTrue(html.contains("id=\"explained\"") && html.contains("explain/"), "explained pixels");
        assertTrue(html.contains("IoU per class"), "per-class IoU");
        // the editing step: the least decisive prototype of one class disabled, the edited model evaluated
        if (r.out().contains("edit:       prototype ")) {
            assertTrue(html.contains("<h2>Editing the model</h2>"), "edit section");
            ModelCard edited = ModelCard.read(demo.resolve("models/scaleprotoseg-edited.onnx"));
            assertEquals(1, edited.edits().size());
            assertTrue(edited.edits().get(0).reason().startsWith("demo: the least decisive prototype of "));
        }
        // the results table holds numbers only (it fits a narrow page); parity and training texts have their own table
        assertTrue(html.contains("id=\"export-table\"") && !html.contains("<th>parity"), "tables");
        // the ranking in words, best first, with each model's share of the best
        Matcher ranking = Pattern.compile("<p id=\"ranking\">By test mIoU: (\\w+) (\\d\\.\\d{4}) \\(").matcher(html);
        assertTrue(ranking.find(), "ranking sentence");
        double best = rows.values().stream().mapToDouble(x -> Double.parseDouble(x.group(2))).max().orElseThrow();
        assertEquals(best, Double.parseDouble(ranking.group(2)), 1e-9, "the best model leads the sentence");
        // a class a model misses is named on stdout and explained in the report, with the evidence
        assertEquals(r.out().contains("weak class: "), html.contains("id=\"weak-classes\""), r::toString);
        if (html.contains("id=\"weak-classes\"")) {
            assertTrue(html.contains("<th>perfect-grid IoU</th>") && html.contains("<th>likely cause</th>"), "evidence");
        }
        assertFalse(html.contains("http://") || html.contains("https://") || html.contains("<script")
                || html.contains("<link"), "no external resources or scripts");

        JsonNode summary = new ObjectMapper().readTree(demo.resolve("demo.json").toFile());
        assertEquals(3, summary.get("models").size());
        assertEquals(15, summary.get("models").get(0).get("updates").asInt());
        assertEquals(Double.parseDouble(sps.group(2)), summary.get("models").get(0).get("testMeanIou").asDouble(), 5e-5);
    }

    @Test
    void runningAgainReusesTheDataRunsAndModels() throws IOException {
        assertEquals(0, first.exit(), first::toString);
        Map<Path, FileTime> before = times();
        long metricsLines = Files.readAllLines(demo.resolve("runs/scaleprotoseg/metrics.jsonl")).size();
        Cli.Result again = demo(demo);
        assertEquals(0, again.exit(), again::toString);
        assertTrue(again.out().contains("reused:     data; runs scaleprotoseg, protoseg, deeplabv2; models scaleprotoseg, "
                + "protoseg, deeplabv2"), again::toString);
        assertTrue(again.err().contains("all three runs finished earlier; reused"), again::toString);
        assertFalse(again.err().contains("warmup 100%"), "nothing trained: " + again);
        assertFalse(again.err().contains("speed: "), "no calibration: " + again);
        assertEquals(before, times(), "checkpoints and models untouched");
        assertEquals(metricsLines, Files.readAllLines(demo.resolve("runs/scaleprotoseg/metrics.jsonl")).size());
        Map<String, Matcher> a = rows(first.out());
        Map<String, Matcher> b = rows(again.out());
        for (String model : a.keySet()) {
            assertEquals(a.get(model).group(2), b.get(model).group(2), "the same test mIoU for " + model);
        }
    }

    private static Map<Path, FileTime> times() throws IOException {
        Map<Path, FileTime> m = new LinkedHashMap<>();
        for (ModelKind kind : DemoCommand.MODELS) {
            Path model = demo.resolve("models/" + kind.id() + ".onnx");
            m.put(model, Files.getLastModifiedTime(model));
            try (Stream<Path> s = Files.list(demo.resolve("runs/" + kind.id() + "/checkpoints"))) {
                for (Path p : s.sorted().toList()) {
                    m.put(p, Files.getLastModifiedTime(p));
                }
            }
        }
        return m;
    }

    @Test
    void aDemoInAnotherRunsDirectoryIsRefused() throws IOException {
        assertEquals(0, first.exit(), first::toString);
        Cli.Result r = Cli.run("demo", "--out", demo, "--minutes", 0.01, "--scenes-train", 9, "--scenes-val", 4,
                "--scenes-test", 3, "--image-size", "64x48", "--threads", 1);
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.err().contains("trained on other scenes"), r::toString);
        assertEquals(2, Cli.run("demo", "--minutes").exit());
        assertEquals(1, Cli.run("demo", "--out", dir.resolve("bad"), "--image-size", "10x10").exit());
    }

    @Test
    void exportOfATrainedRunPrintsAndRecordsParity() throws Exception {
        assertEquals(0, first.exit(), first::toString);
        Path model = dir.resolve("exported/protoseg.onnx");
        Cli.Result r = Cli.run("export", "--run", demo.resolve("runs/protoseg"), "--out", model, "--parity-images", 2,
                "--threads", 1);
        assertEquals(0, r.exit(), r::toString);
        String out = r.out();
        // the parity images come from the run's own data (data.json: 4 validation scenes of 64x48)
        assertTrue(out.contains("parity:          2 images of scenes/val"), out);
        assertTrue(out.matches("(?s).*\\n  relative difference      \\d\\.\\d+(e-\\d+)? x max \\|logit\\| \\(bound 1e-03\\)\\n.*"), out);
        assertTrue(out.matches("(?s).*\\n  identical mask pixels    \\d+\\.\\d{4}% \\(bound 99\\.9%\\)\\n.*"), out);
        assertTrue(out.matches("(?s).*\\nprototypes:      \\d+ in use \\(of \\d+ after projection\\)\\n.*"), out);
        assertTrue(out.contains("written:         " + model.toAbsolutePath().normalize()), out);
        assertEquals("2", ModelCard.read(model).provenance().notes().get("parity.images"));

        // a higher threshold, below every group's largest weight (a group left empty is refused): fewer (or as
        // many) prototypes in use, recorded in the card
        ModelCard base = ModelCard.read(demo.resolve("models/scaleprotoseg.onnx"));
        double threshold = 0.99 * base.groups().stream().mapToDouble(g -> g.members().stream()
                .mapToDouble(ModelCard.Member::weight).max().orElse(0)).min().orElse(0);
        Path sparse = dir.resolve("exported/sparse.onnx");
        Cli.Result t = Cli.run("export", "--run", demo.resolve("runs/scaleprotoseg"), "--out", sparse, "--threshold", threshold,
                "--parity-images", 1, "--threads", 1);
        assertEquals(0, t.exit(), t::toString);
        assertTrue(t.out().contains("threshold:       " + Html.num(threshold)), t::toString);
        assertTrue(t.out().matches("(?s).*\\ngroups:          \\d+, \\d+\\.\\d\\d prototypes per group on average\\n.*"),
                t::toString);
        assertTrue(ModelCard.read(sparse).prototypes().size() <= base.prototypes().size());

        Cli.Result noGroups = Cli.run("export", "--run", demo.resolve("runs/deeplabv2"), "--out", dir.resolve("x.onnx"),
                "--threshold", 0.1);
        assertEquals(1, noGroups.exit(), noGroups::toString);
        assertTrue(noGroups.err().contains("--threshold") && noGroups.err().contains("deeplabv2"), noGroups::toString);
    }

    @Test
    void exportWithoutARunSaysHowToTrainOne() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("no-run"));
        Cli.Result r = Cli.run("export", "--run", empty, "--out", dir.resolve("none.onnx"));
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.err().contains(empty.toString()) && r.err().contains("holds no training run")
                && r.err().contains("scaleprotoseg train --out " + empty), r::toString);
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r);
        assertFalse(Files.exists(dir.resolve("none.onnx")), "nothing written");
        Cli.Result missing = Cli.run("export", "--run", dir.resolve("nowhere"), "--out", dir.resolve("none.onnx"));
        assertEquals(1, missing.exit(), missing::toString);
        assertTrue(missing.err().contains("no such directory"), missing::toString);
        assertEquals(2, Cli.run("export", "--run", empty).exit(), "--out is required");
    }

    @Test
    void infoShowsTheParityFiguresAndTheProvenance() {
        assertEquals(0, first.exit(), first::toString);
        Cli.Result r = Cli.run("info", demo.resolve("models/scaleprotoseg.onnx"));
        assertEquals(0, r.exit(), r::toString);
        String out = r.out();
        assertTrue(out.contains("  dataset:        scenes/train"), out);
        assertTrue(out.contains("  steps/phase:    {warmup=3, joint=3, finetune=3, groupWarmup=3, groupJoint=3}"), out);
        assertTrue(out.contains("  seed:           0"), out);
        assertTrue(out.matches("(?s).*\\n  val mIoU:       [01]\\.\\d{4}\\n.*"), out);
        assertTrue(out.matches("(?s).*\\n  created:        \\d{4}-\\d\\d-\\d\\dT.*"), out);
        assertTrue(out.contains("  software:\n") && out.contains("    java: "), out);
        assertTrue(out.contains("  parity:         4 images, trainer vs ONNX Runtime at export"), out);
        assertTrue(out.matches("(?s).*\\n    max \\|logit difference\\|  \\d.*"), out);
        assertTrue(out.matches("(?s).*\\n    relative difference     \\d.* x max \\|logit\\| \\(bound 1e-03\\)\\n.*"), out);
        assertTrue(out.matches("(?s).*\\n    identical mask pixels   \\d+\\.\\d{4}% \\(bound 99\\.9%\\)\\n.*"), out);
        assertTrue(out.contains("    checkpoint: stage2.ckpt"), "the other notes: " + out);
        assertFalse(out.contains("parity.images"), "parity notes are not listed twice: " + out);
    }

    @Test
    void evalFindsTheDemoRunsTestScenes() {
        assertEquals(0, first.exit(), first::toString);
        Cli.Result r = Cli.run("eval", "--run", demo.resolve("runs/deeplabv2"), "--split", "test", "--threads", 1);
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("data:            scenes/test, 3 of 3 images"), r::toString);
    }

    @Test
    void centralPixelIsACorrectPixelOfTheClass() {
        int w = 5;
        int[] labels = new int[25];
        int[] mask = new int[25];
        // a ring of class 1 around a hole of class 0: the centre itself is not the class
        for (int y = 1; y <= 3; y++) {
            for (int x = 1; x <= 3; x++) {
                labels[y * w + x] = x == 2 && y == 2 ? 0 : 1;
                mask[y * w + x] = labels[y * w + x];
            }
        }
        int[] p = DemoCommand.centralPixel(mask, labels, 1, w);
        assertNotNull(p);
        assertEquals(1, labels[p[1] * w + p[0]]);
        assertEquals(1, mask[p[1] * w + p[0]]);
        assertTrue(Math.abs(p[0] - 2) + Math.abs(p[1] - 2) == 1, "next to the centroid: " + p[0] + "," + p[1]);
    }
}
