package io.scaleprotoseg.trainer.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scaleprotoseg.sdk.ErrorCode;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.trainer.DjlTestBase;
import io.scaleprotoseg.trainer.data.Scenes;
import io.scaleprotoseg.trainer.data.Split;
import io.scaleprotoseg.trainer.model.ParamGroup;
import io.scaleprotoseg.trainer.model.ParameterSet;
import io.scaleprotoseg.trainer.model.PrototypeTable;
import io.scaleprotoseg.trainer.phase.Phase;
import io.scaleprotoseg.trainer.phase.Presets;
import io.scaleprotoseg.trainer.phase.TrainingConfig;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run directory's layout and the typed checkpoint state. */
class RunDirectoryTest extends DjlTestBase {
    @TempDir
    Path dir;

    private static CheckpointState state(TrainingConfig cfg, Phase phase) {
        return new CheckpointState(0, cfg, phase, 3, 0.25, "scenes/train",
                Scenes.defaults().dataset(Split.TRAIN).labels(), PrototypeTable.initial(cfg.network()), null, List.of(4),
                List.of(), 1, new CheckpointState.Validation("joint", 3, 13, 0.25, 0.5), Map.of(), 0);
    }

    private void write(Path file, CheckpointState s) throws Exception {
        try (ParameterSet p = new ParameterSet(manager)) {
            p.add("prototypes", ParamGroup.PROTOTYPES, new float[] {1, 2}, 1, 2);
            Checkpoint.write(file, s, p, null, Map.of());
        }
    }

    @Test
    void theStateIsWrittenWithItsKeysInOrderAndReadBackAsItWas() throws Exception {
        TrainingConfig cfg = Presets.get("scenes", ModelKind.SCALEPROTOSEG);
        Path file = dir.resolve("a.ckpt");
        write(file, state(cfg, Phase.JOINT));
        CheckpointState back = Checkpoint.readState(file);
        assertEquals(Checkpoint.FORMAT_VERSION, back.formatVersion());
        assertEquals(Phase.JOINT, back.phase());
        assertEquals(Checkpoint.json().valueToTree(cfg), Checkpoint.json().valueToTree(back.config()), "(records with arrays compare by identity)");
        assertEquals(List.of(4), back.pruned());
        assertEquals(new CheckpointState.Validation("joint", 3, 13, 0.25, 0.5), back.lastValidation());
        assertEquals(Map.of("prototypes", "PROTOTYPES"), back.parameterGroups(), "the writer records the groups");
        JsonNode json = Checkpoint.json().readTree(Checkpoint.json().writeValueAsBytes(back));
        List<String> keys = new ArrayList<>();
        for (Iterator<String> it = json.fieldNames(); it.hasNext();) {
            keys.add(it.next());
        }
        assertEquals(List.of("formatVersion", "config", "phase", "phaseStep", "bestMiou", "dataset", "classes", "prototypes",
                "projection", "pruned", "inactivePrototypes", "stage", "lastValidation", "parameterGroups", "metricsBytes"), keys);
    }

    @Test
    void aStateWrittenBeforeTheRecordExistedIsStillRead() throws Exception {
        // what earlier versions wrote: an empty lastValidation before the first validation, no stage, extra keys
        TrainingConfig cfg = Presets.get("scenes", ModelKind.PROTOSEG);
        ObjectNode old = Checkpoint.json().valueToTree(state(cfg, Phase.WARMUP));
        old.putObject("lastValidation");
        old.remove("stage");
        old.put("formatVersion", Checkpoint.FORMAT_VERSION);
        old.put("somethingNewer", true);
        Path file = dir.resolve("old.ckpt");
        try (OutputStream os = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(os)) {
            zip.putNextEntry(new ZipEntry("state.json"));
            zip.write(Checkpoint.json().writeValueAsString(old).getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        }
        CheckpointState s = Checkpoint.readState(file);
        assertNull(s.lastValidation(), "no validation yet");
        assertEquals(0, s.stage());
        assertEquals(Phase.WARMUP, s.phase());
        old.put("formatVersion", 99);
        try (OutputStream os = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(os)) {
            zip.putNextEntry(new ZipEntry("state.json"));
            zip.write(Checkpoint.json().writeValueAsString(old).getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        }
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.readState(file));
        assertTrue(e.getMessage().contains("format version 99") && e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void aCheckpointWithNonFiniteWeightsIsRefusedNamingTheTensor() throws Exception {
        TrainingConfig cfg = Presets.get("scenes", ModelKind.SCALEPROTOSEG);
        Path file = dir.resolve("nan.ckpt");
        try (ParameterSet p = new ParameterSet(manager)) {
            p.add("aspp.0.bias", ParamGroup.ASPP_BIAS, new float[] {1, Float.NaN, Float.POSITIVE_INFINITY}, 3);
            Checkpoint.write(file, state(cfg, Phase.DONE), p, null, Map.of());
        }
        try (ParameterSet into = new ParameterSet(manager)) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.read(file, into, null));
            assertTrue(e.getMessage().contains("tensor 'aspp.0.bias'") && e.getMessage().contains("2 of 3")
                    && e.getMessage().contains(file.toString()), e.getMessage());
            assertEquals(ErrorCode.CHECKPOINT_INVALID, e.code());
            assertThrows(CheckpointException.class, () -> TrainedModel.load(file, manager), "every load refuses it");
        }
    }

    @Test
    void theFinishedModelIsDecidedByTheRunsConfigurationAndAnUnfinishedRunSaysHowToFinish() throws Exception {
        TrainingConfig grouped = Presets.get("scenes", ModelKind.SCALEPROTOSEG);
        TrainingConfig stageOneOnly = grouped.withStageTwo(0, 0, 1e-2, 1.0, 1e-3, 0.05);
        assertTrue(grouped.hasStageTwo());
        assertTrue(!stageOneOnly.hasStageTwo() && !Presets.get("scenes", ModelKind.PROTOSEG).hasStageTwo());
        RunDirectory run = new RunDirectory(dir.resolve("run"));
        assertEquals(run.checkpoints().resolve("stage2.ckpt"), run.finalCheckpoint(grouped));
        assertEquals(run.checkpoints().resolve("stage1.ckpt"), run.finalCheckpoint(stageOneOnly));
        assertTrue(!run.holdsRun());
        CheckpointException none = assertThrows(CheckpointException.class, run::finishedCheckpoint);
        assertTrue(none.getMessage().contains("holds no training run"), none.getMessage());
        assertEquals(ErrorCode.CHECKPOINT_INVALID, none.code());

        write(run.last(), state(grouped, Phase.GROUP_JOINT));
        write(run.stageOne(), state(grouped, Phase.DONE));
        assertEquals(List.of("checkpoints/"), run.runMarkers());
        CheckpointException unfinished = assertThrows(CheckpointException.class, run::finishedCheckpoint);
        assertTrue(unfinished.getMessage().contains("has not finished") && unfinished.getMessage().contains("stage 1 is done")
                && unfinished.getMessage().contains("--resume"), unfinished.getMessage());
        write(run.stageTwo(), state(grouped, Phase.DONE));
        assertEquals(run.stageTwo(), run.finishedCheckpoint());
        assertEquals(run.stageTwo(), TrainedModel.finalCheckpoint(run.root()));
    }
}
