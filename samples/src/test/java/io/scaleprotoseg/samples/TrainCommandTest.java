package io.scaleprotoseg.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scaleprotoseg.trainer.data.Scenes;
import io.scaleprotoseg.trainer.phase.Presets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train} and {@code eval} through the command line: one tiny scenes run shared by the
 * tests (17 updates over both stages), resumed and evaluated; and the errors a user can make.
 */
class TrainCommandTest {
    @TempDir
    static Path dir;
    static Path run;
    static Cli.Result trained;

    /** The tiny schedule: a few updates per phase of both stages, 16 training and 8 validation scenes, 4 validated. */
    static final List<Object> TINY = List.of("--warmup-steps", 3, "--joint-steps", 6, "--finetune-steps", 3,
            "--group-warmup-steps", 2, "--group-joint-steps", 3, "--val-limit", 4, "--scenes-train", 16, "--scenes-val", 8,
            "--threads", 2);

    @BeforeAll
    static void trainOnce() {
        run = dir.resolve("run");
        trained = train(run);
    }

    private static Cli.Result train(Path out, Object... more) {
        List<Object> args = new ArrayList<>(List.of("train", "--out", out));
        args.addAll(TINY);
        args.addAll(List.of(more));
        return Cli.run(args.toArray());
    }

    private static double number(String text, String label) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(label) + "\\s+([0-9.]+)").matcher(text);
        assertTrue(m.find(), label + " in\n" + text);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void aShortScenesRunWritesItsCheckpointsMetricsAndSummary() throws IOException {
        Cli.Result r = trained;
        assertEquals(0, r.exit(), r::toString);
        assertTrue(Files.isRegularFile(run.resolve("checkpoints/stage1.ckpt")), r::toString);
        assertTrue(Files.isRegularFile(run.resolve("checkpoints/stage2.ckpt")), r::toString);
        assertTrue(Files.isRegularFile(run.resolve("checkpoints/last.ckpt")), r::toString);
        assertTrue(Files.isRegularFile(run.resolve("data.json")), r::toString);
        assertTrue(Files.isRegularFile(run.resolve("config.json")), r::toString);
        List<String> metrics = Files.readAllLines(run.resolve("metrics.jsonl"));
        assertEquals(17, metrics.stream().filter(l -> l.contains("\"ce\"")).count(), "one line per update: " + metrics);
        assertTrue(metrics.stream().anyMatch(l -> l.contains("\"valMiou\"")), metrics::toString);

        String out = r.out();
        assertTrue(out.contains("checkpoint:      " + run.resolve("checkpoints/stage2.ckpt").toAbsolutePath().normalize()),
                out);
        assertTrue(out.contains("stage 1:         " + run.resolve("checkpoints/stage1.ckpt").toAbsolutePath().normalize()),
                out);
        assertTrue(out.matches("(?s).*\\nprototypes:\\s+\\d+ in use after thresholding \\(of 56; \\d+ duplicates removed at "
                + "projection\\)\\n.*"), out);
        assertTrue(out.matches("(?s).*\\nstage 1 result:  mIoU [01]\\.\\d{4}, pixel accuracy [01]\\.\\d{4}\\n.*"), out);
        double miou = number(out, "mIoU:");
        assertTrue(miou > 0 && miou <= 1, out);
        double accuracy = number(out, "pixel accuracy:");
        assertTrue(accuracy > 0 && accuracy <= 1, out);
        for (var c : Scenes.LABELS.classes()) {
            assertTrue(out.matches("(?s).*\\n\\s+" + c.id() + "\\s+" + c.name() + "\\s+(-|[01]\\.\\d{4})\\n.*"),
                    "IoU line of " + c.name() + " in\n" + out);
        }
        assertTrue(out.contains("wall time:"), out);
        assertTrue(out.matches("(?s).*\\n\\s+joint\\s+6\\s+[0-9.]+\\s+[0-9.]+\\s+[0-9.]+\\s+[0-9.]+\\n.*"),
                "timing of the joint phase in\n" + out);

        // progress on stderr: a bar per phase with the loss terms, and the validation lines
        String err = r.err();
        for (String phase : List.of("warmup", "joint", "projection", "finetune", "group-warmup", "group-joint", "threshold")) {
            assertTrue(err.contains("\n" + phase + " 100%"), phase + " bar in\n" + err);
        }
        // the weighted total, then each term of the phase's objective
        assertTrue(err.matches("(?s).*joint 100%.*6/6.*total \\d\\.\\d{4}  ce \\d\\.\\d{4}  div \\d\\.\\d{4}  lr \\d\\.\\d{2}e-\\d\\d.*"),
                err);
        assertTrue(err.contains("finetune 100%") && err.matches("(?s).*total \\d\\.\\d{4}  ce \\d\\.\\d{4}  l1 .*"), err);
        assertTrue(err.matches("(?s).*group-joint 100%.*3/3.*total \\d+\\.\\d{4}  ce \\d+\\.\\d{4}  l1 \\d+\\.\\d{4}  entropy \\d\\.\\d{4}  lr .*"),
                err);
        assertTrue(err.contains("final: validation mIoU"), err);
        assertFalse(err.contains("\r"), "no carriage returns when stderr is not a terminal");
        assertFalse(err.contains("CudaUtils"), "no CUDA probe noise on a CPU run: " + err);
    }

    @Test
    void resumingAFinishedRunTrainsNothingAndReportsTheSameResult() throws IOException {
        long updatesBefore = Files.readAllLines(run.resolve("metrics.jsonl")).stream().filter(l -> l.contains("\"ce\"")).count();
        Cli.Result r = Cli.run("train", "--out", run, "--resume", "--threads", 2);
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.err().contains("on scenes/train (16 images)"), "the run's own data (data.json): " + r);
        // the trainer restores last.ckpt, whose phase is DONE: it only validates and rewrites stage1.ckpt
        assertTrue(r.err().contains("resumed from " + run.resolve("checkpoints").resolve("last.ckpt") + " at DONE"),
                r::toString);
        long updatesAfter = Files.readAllLines(run.resolve("metrics.jsonl")).stream().filter(l -> l.contains("\"ce\"")).count();
        assertEquals(updatesBefore, updatesAfter, "no update was trained again");
        assertEquals(number(trained.out(), "mIoU:"), number(r.out(), "mIoU:"), r::toString);
        assertTrue(Files.isRegularFile(run.resolve("checkpoints/stage1.ckpt")));
    }

    @Test
    void evalReportsTheRunsValidationAndWritesJson() throws IOException {
        Path json = dir.resolve("reports/eval.json");
        // without --data: the run's own data (data.json: 8 validation scenes), whose first 4 images
        // are the ones the run validated on, so the result must be the run's own
        Cli.Result r = Cli.run("eval", "--run", run, "--limit", 4, "--out", json, "--threads", 2);
        assertEquals(0, r.exit(), r::toString);
        double miou = number(r.out(), "mIoU:");
        assertTrue(miou >= 0 && miou <= 1, r::toString);
        assertEquals(number(trained.out(), "mIoU:"), miou, r::toString);
        assertTrue(r.out().contains("data:            scenes/val, 4 of 8 images"), r::toString);
        assertTrue(r.out().matches("(?s).*\\n\\s+5\\s+car\\s+(-|[01]\\.\\d{4})\\n.*"), r::toString);

        JsonNode report = new ObjectMapper().readTree(json.toFile());
        assertEquals(miou, report.get("meanIou").asDouble(), 5e-5);
        assertEquals("val", report.get("split").asText());
        assertEquals(4, report.get("images").asInt());
        assertEquals("scenes/train", report.get("trainedOn").asText());
        assertEquals(7, report.get("classes").size());
        assertEquals("sky", report.get("classes").get(0).get("name").asText());

        // the same images from the built-in scenes named explicitly (50 validation scenes by default)
        Cli.Result explicit = Cli.run("eval", "--run", run, "--format", "scenes", "--limit", 4, "--threads", 2);
        assertEquals(0, explicit.exit(), explicit::toString);
        assertTrue(explicit.out().contains("data:            scenes/val, 4 of 50 images"), explicit::toString);
        assertEquals(miou, number(explicit.out(), "mIoU:"), explicit::toString);
    }

    @Test
    void trainingAgainIntoAFinishedRunNeedsResume() {
        Cli.Result r = train(run);
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.err().contains("already holds a training run") && r.err().contains("--resume"), r::toString);
    }

    @Test
    void anUnknownPresetListsTheKnownOnes() {
        Cli.Result r = Cli.run("train", "--preset", "imagenet", "--out", dir.resolve("unknown"));
        assertEquals(2, r.exit(), "a usage error: " + r);
        assertTrue(r.err().contains("imagenet"), r::toString);
        for (String name : Presets.NAMES) {
            assertTrue(r.err().contains(name), name + " in " + r);
        }
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r);
    }

    @Test
    void aMissingDataDirectoryIsNamed() {
        Path missing = dir.resolve("no-such-data");
        Cli.Result r = Cli.run("train", "--data", missing, "--out", dir.resolve("missing-data"));
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.err().contains("--data " + missing) && r.err().contains("no such directory"), r::toString);
        assertFalse(Files.exists(dir.resolve("missing-data")), "nothing written");
    }

    @Test
    void aGpuOnThisCpuBuildIsExplained() {
        Cli.Result r = train(dir.resolve("gpu"), "--device", "gpu");
        assertEquals(1, r.exit(), r::toString);
        String err = r.err();
        assertTrue(err.contains("--device gpu"), err);
        assertTrue(err.contains("pytorch-native-cpu 2.7.1"), err);
        assertTrue(err.contains("pytorch-native-cu") && err.contains("PYTORCH_LIBRARY_PATH") && err.contains("driver"), err);
        assertFalse(err.contains("\tat "), "no stack trace: " + r);
        assertFalse(Files.exists(dir.resolve("gpu")), "nothing written");
    }

    @Test
    void evalOnADirectoryWithoutARunSaysHowToTrainOne() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Cli.Result r = Cli.run("eval", "--run", empty);
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.err().contains(empty.toString()) && r.err().contains("holds no training run")
                && r.err().contains("scaleprotoseg train --out " + empty), r::toString);
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r);
    }

    @Test
    void aDryRunEstimatesMemoryAndWarnsWhenItWillNotFit() {
        Cli.Result fits = Cli.run("train", "--out", dir.resolve("dry"), "--dry-run", "--no-time");
        assertEquals(0, fits.exit(), fits::toString);
        assertTrue(fits.out().contains("memory: about 1.1 GB at peak"), fits.out());
        assertFalse(fits.out().contains("warning:"), fits.out());
        assertTrue(fits.out().contains("classes in the first 100 training images (100.0% of pixels labelled; grid of stride 8)"),
                fits.out());
        assertTrue(fits.out().matches("(?s).*     6  person +\\d+\\.\\d\\d% +\\d+\\.\\d\\d% +0\\.\\d{3}\n.*"), fits.out());
        assertTrue(fits.out().contains("a practical ceiling for stride 8"), fits.out());
        // the scenes' persons are a few pixels wide: the right class in every cell reaches IoU 0.424 on them
        assertTrue(fits.out().contains("note: the stride-8 grid resolves these classes poorly (grid IoU under 0.5): person "
                + "(0.424); their objects are thin"), fits.out());
        // ResNet-101 on 2049-pixel crops, 16 at a time: terabytes
        Cli.Result huge = Cli.run("train", "--out", dir.resolve("dry"), "--dry-run", "--no-time", "--depth", 101, "--width-divisor", 1,
                "--crop", 2049, "--batch-size", 16);
        assertEquals(0, huge.exit(), huge::toString);
        assertTrue(huge.out().contains("warning: this run is likely to need more memory than the machine has available"),
                huge.out());
    }

    @Test
    void everyOverrideReachesItsSetting() throws IOException {
        Cli.Result r = Cli.run("train", "--out", dir.resolve("dry"), "--dry-run", "--no-time", "--method", "protoseg",
                "--warmup-steps", 11, "--joint-steps", 12, "--finetune-steps", 13, "--batch-size", 3, "--iteration-size", 4,
                "--crop", 65, "--min-scale", 0.6, "--max-scale", 1.7, "--lr-warmup", 1e-1, "--lr-backbone", 2e-2,
                "--lr-head", 3e-3, "--lr-finetune", 4e-4, "--lambda-div", 0.5, "--lambda-l1", 6e-6, "--weight-decay", 7e-7,
                "--prune-k", 8, "--prune-threshold", 5, "--eval-every", 9, "--checkpoint-every", 10, "--val-limit", 14,
                "--seed", 15, "--depth", 34, "--width-divisor", 4, "--prototypes-per-class", 5, "--dim", 32,
                "--groups-per-class", 2, "--dilations", "6,12,18", "--group-warmup-steps", 16, "--group-joint-steps", 17,
                "--lr-groups", 1.5e-3, "--lambda-entropy", 0.125, "--lambda-l1-groups", 2e-4, "--threshold", 0.0625,
                "--set", "network.dim=24");
        assertEquals(0, r.exit(), r::toString);
        JsonNode c = new ObjectMapper().readTree(r.out().substring(0, r.out().lastIndexOf('}') + 1));
        Object[][] expected = {
            {"warmupSteps", 11}, {"jointSteps", 12}, {"finetuneSteps", 13}, {"batchSize", 3}, {"iterationSize", 4},
            {"crop", 65}, {"minScale", 0.6}, {"maxScale", 1.7}, {"lrWarmup", 1e-1}, {"lrBackbone", 2e-2}, {"lrHead", 3e-3},
            {"lrFinetune", 4e-4}, {"lambdaDiversity", 0.5}, {"lambdaL1", 6e-6}, {"weightDecay", 7e-7}, {"pruneK", 8},
            {"pruneThreshold", 5}, {"evalEvery", 9}, {"checkpointEvery", 10}, {"valLimit", 14}, {"seed", 15},
            {"groupWarmupSteps", 16}, {"groupJointSteps", 17}, {"lrGroups", 1.5e-3}, {"lambdaEntropy", 0.125},
            {"lambdaL1Groups", 2e-4}, {"threshold", 0.0625},
        };
        for (Object[] e : expected) {
            assertEquals(((Number) e[1]).doubleValue(), c.get((String) e[0]).asDouble(), 1e-12, (String) e[0]);
        }
        JsonNode n = c.get("network");
        assertEquals("protoseg", n.get("method").asText());
        assertEquals("R34", n.get("depth").asText());
        assertEquals(4, n.get("widthDivisor").asInt());
        assertEquals(5, n.get("prototypesPerClass").asInt());
        assertEquals(24, n.get("dim").asInt(), "--set is applied last");
        assertEquals(2, n.get("groupsPerClass").asInt());
        assertEquals("[6,12,18]", n.get("dilations").toString());
        assertEquals(7, n.get("numClasses").asInt());
        assertEquals("scenes", c.get("preset").asText());
        assertFalse(Files.exists(dir.resolve("dry")), "a dry run writes nothing");

        Cli.Result stageOne = Cli.run("train", "--out", dir.resolve("dry"), "--dry-run", "--no-time", "--stage1-only");
        assertEquals(0, stageOne.exit(), stageOne::toString);
        JsonNode s = new ObjectMapper().readTree(stageOne.out().substring(0, stageOne.out().lastIndexOf('}') + 1));
        assertEquals(0, s.get("groupWarmupSteps").asInt());
        assertEquals(0, s.get("groupJointSteps").asInt());
        assertEquals(1000, s.get("jointSteps").asInt(), "the preset's other settings stay");
    }

    @Test
    void folderDataBringsItsOwnClassCount() throws IOException {
        Path data = dir.resolve("folder-data");
        Scenes.defaults().withCounts(2, 2, 0).writeTo(data);
        // five classes instead of seven: the network follows the data, with a note
        Files.writeString(data.resolve("classes.txt"), "0 sky #4682B4\n1 road #804080\n2 sidewalk #F423E8\n"
                + "3 building #464646\n4 vegetation #6B8E23\n");
        Files.delete(data.resolve("parts.txt"));
        Cli.Result r = Cli.run("train", "--preset", "cityscapes", "--data", data, "--out", dir.resolve("folder"), "--dry-run", "--no-time");
        // masks still hold labels 5 and 6: opening works and the class count is 5, but the dry run counts the
        // classes of the first training labels and so finds the label a run would fail on
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.err().contains("has value 5 at") && r.err().contains("outside the label range: expected class ids 0..4"),
                r::toString);
        assertTrue(r.err().contains("note: ") && r.err().contains("has 5 classes"), r::toString);
        assertTrue(r.out().contains("\"numClasses\" : 5"), r::toString);
        assertTrue(r.out().contains("\"preset\" : \"cityscapes\""), r::toString);
    }

    @Test
    void aDryRunEstimatesTheTimeFromScratchUpdatesAndSaysWhenThePresetWasSizedForOtherData() throws IOException {
        Path data = dir.resolve("timed-data");
        Scenes.defaults().withCounts(6, 2, 1).writeTo(data);
        Path out = dir.resolve("timed");
        Cli.Result r = Cli.run("train", "--data", data, "--out", out, "--dry-run", "--method", "deeplabv2", "--joint-steps", 60,
                "--threads", 1);
        assertEquals(0, r.exit(), r::toString);
        Matcher m = Pattern.compile("time: about (\\d+) (s|min) on .*; measured: \\d+ s to the first update with batch-norm "
                + "calibration, (\\d+) ms per joint update of batch 8 x 1; the other phases, \\d+ validations of 2 images").matcher(
                r.out());
        assertTrue(m.find(), r::toString);
        // 160 updates (warm-up 100, joint 60; DeepLabv2 has no fine-tuning) at the measured joint rate, about
        double perUpdate = Double.parseDouble(m.group(3));
        double total = Double.parseDouble(m.group(1)) * (m.group(2).equals("min") ? 60 : 1);
        assertTrue(total >= 0.5 * 160 * perUpdate / 1000, "the estimate covers the updates: " + r);
        assertTrue(r.out().contains("note: the scenes preset's schedule (160 updates of batch 8) was sized for the built-in "
                + "200 scenes of 128x96 pixels, not for this data (213 crops per training image here)"), r::toString);
        assertFalse(Files.exists(out), "a dry run writes nothing");
        // a heavy network is not timed unless asked: its scratch updates would take minutes
        Cli.Result heavy = Cli.run("train", "--out", out, "--dry-run", "--depth", 101, "--width-divisor", 1, "--crop", 513);
        assertEquals(0, heavy.exit(), heavy::toString);
        assertTrue(heavy.out().contains("time: not measured: one update of this network holds about ")
                && heavy.out().contains("add --time to measure them"), heavy::toString);
        assertEquals(1, Cli.run("train", "--out", out, "--dry-run", "--time", "--no-time").exit());
    }

    @Test
    void aRunOnFolderDataIsEvaluatedOnItsRecordedDataOrNeedsData() throws IOException {
        Path data = dir.resolve("scenes-folder");
        Scenes.defaults().withCounts(4, 2, 0).writeTo(data);
        Path folderRun = dir.resolve("folder-run");
        Cli.Result r = Cli.run("train", "--data", data, "--out", folderRun, "--stage1-only", "--warmup-steps", 1,
                "--joint-steps", 2, "--finetune-steps", 1, "--threads", 2);
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.err().contains("on scenes-folder/train (4 images)"), r::toString);
        // no test split: said before training, not when eval --split test fails afterwards
        assertTrue(r.err().contains("has no usable test split (") && r.err().contains("eval --split val"), r::toString);
        assertTrue(r.err().indexOf("has no usable test split") < r.err().indexOf("warmup 100%"), r::toString);
        assertTrue(r.err().contains("note: the scenes preset's schedule ("), "said in a run too: " + r);

        Cli.Result recorded = Cli.run("eval", "--run", folderRun, "--threads", 2);
        assertEquals(0, recorded.exit(), recorded::toString);
        assertTrue(recorded.out().contains("data:            scenes-folder/val, 2 of 2 images"), recorded::toString);

        Files.delete(folderRun.resolve("data.json"));
        Cli.Result needsData = Cli.run("eval", "--run", folderRun);
        assertEquals(1, needsData.exit(), needsData::toString);
        assertTrue(needsData.err().contains("scenes-folder/train") && needsData.err().contains("--data DIR"),
                needsData::toString);
    }

    @Test
    void setReachesSettingsByTheirConfigurationNamesAndAppliesLast() throws IOException {
        Cli.Result r = Cli.run("train", "--out", dir.resolve("dry"), "--dry-run", "--no-time", "--seed", 3, "--set", "network.depth=50",
                "--set", "seed=21", "--set", "mscScales=0.5,0.75", "--set", "lrHead=0.125");
        assertEquals(0, r.exit(), r::toString);
        JsonNode c = new ObjectMapper().readTree(r.out().substring(0, r.out().lastIndexOf('}') + 1));
        assertEquals(21, c.get("seed").asInt(), "--set after --seed");
        assertEquals(0.125, c.get("lrHead").asDouble());
        assertEquals("R50", c.get("network").get("depth").asText(), "a depth by its number");
        assertEquals("[0.5,0.75]", c.get("network").get("mscScales").toString());
        Cli.Result bad = Cli.run("train", "--out", dir.resolve("bad"), "--dry-run", "--no-time", "--set", "crop=large");
        assertEquals(1, bad.exit(), bad::toString);
        assertTrue(bad.err().contains("--set crop=large: not a number"), bad::toString);
        Cli.Result range = Cli.run("train", "--out", dir.resolve("bad"), "--dry-run", "--no-time", "--lr-warmup", -1);
        assertEquals(1, range.exit(), range::toString);
        assertTrue(range.err().contains("--lr-warmup must be a finite number >= 0"), range::toString);
    }

    @Test
    void aDryRunValidatesLikeARunAndUnknownNamesAreUsageErrors() {
        Cli.Result preset = Cli.run("train", "--out", dir.resolve("bad"), "--dry-run", "--no-time", "--preset", "foo");
        assertEquals(2, preset.exit(), "an unknown preset is a usage error, like an unknown method: " + preset);
        assertTrue(preset.err().contains("--preset foo: unknown preset"), preset::toString);
        assertEquals(2, Cli.run("train", "--out", dir.resolve("bad"), "--dry-run", "--no-time", "--method", "foo").exit());
        Cli.Result threads = Cli.run("train", "--out", dir.resolve("bad"), "--dry-run", "--no-time", "--threads", -3);
        assertEquals(1, threads.exit(), threads::toString);
        assertTrue(threads.err().contains("--threads must be 0 (all cores) or positive"), threads::toString);
        Cli.Result steps = Cli.run("train", "--out", dir.resolve("bad"), "--dry-run", "--no-time", "--joint-steps", -5);
        assertEquals(1, steps.exit(), steps::toString);
        assertTrue(steps.err().contains("--joint-steps must be >= 0, got -5"), steps::toString);
    }

    @Test
    void badSettingsAreUserErrors() {
        Cli.Result r = Cli.run("train", "--out", dir.resolve("bad"), "--dry-run", "--no-time", "--set", "noSuchSetting=1");
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.err().contains("noSuchSetting") && r.err().contains("lambdaL1"), r::toString);
        r = Cli.run("train", "--out", dir.resolve("bad"), "--dry-run", "--no-time", "--width-divisor", 3);
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.err().contains("divisor must divide 64"), r::toString);
        assertEquals(2, Cli.run("train", "--out", dir.resolve("bad"), "--method", "unet").exit());
        assertEquals(2, Cli.run("train").exit(), "--out is required");
    }

    @Test
    void stageTwoStartsFromAnotherRunsStageOne() throws Exception {
        Path second = dir.resolve("stage2-only");
        Cli.Result r = train(second, "--stage2-from", run.resolve("checkpoints").resolve("stage1.ckpt"));
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.err().contains("stage 2 starts from"), r::toString);
        assertTrue(Files.isRegularFile(second.resolve("checkpoints").resolve("stage2.ckpt")));
        assertTrue(Files.readAllLines(second.resolve("metrics.jsonl")).stream().noneMatch(l -> l.contains("\"phase\":\"joint\"")),
                "stage 1 is not trained again");
        Cli.Result missing = train(dir.resolve("stage2-missing"), "--stage2-from", dir.resolve("nope.ckpt"));
        assertEquals(1, missing.exit(), missing::toString);
        assertTrue(missing.err().contains("--stage2-from"), missing::toString);
    }

    /** The huge-page note: for large activations only, not when the variable is set or the kernel never gives huge pages. */
    @Test
    void theHugePageNoteAppearsForLargeUpdatesWhenItCanHelp() {
        long large = 2L << 30;
        String madvise = "always [madvise] never\n";
        String note = TrainCommand.hugePageNote(large, null, madvise);
        assertTrue(note != null && note.contains("THP_MEM_ALLOC_ENABLE=1") && note.contains("page faults"), note);
        assertTrue(TrainCommand.hugePageNote(large, null, null) != null, "no kernel setting readable: the note still helps");
        assertEquals(null, TrainCommand.hugePageNote(large, "1", madvise), "already set");
        assertEquals(null, TrainCommand.hugePageNote(large, null, "always madvise [never]\n"), "the kernel never gives them");
        assertEquals(null, TrainCommand.hugePageNote(100L << 20, null, madvise), "small updates");
    }
}
