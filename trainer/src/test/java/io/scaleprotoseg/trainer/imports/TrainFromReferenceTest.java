package io.scaleprotoseg.trainer.imports;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.scaleprotoseg.graph.network.NetworkConfig;
import io.scaleprotoseg.graph.network.ResNetLayout;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.torchfile.TorchFileWriter;
import io.scaleprotoseg.trainer.DjlTestBase;
import io.scaleprotoseg.trainer.checkpoint.TrainedModel;
import io.scaleprotoseg.trainer.data.Scenes;
import io.scaleprotoseg.trainer.data.Split;
import io.scaleprotoseg.trainer.model.Initialization;
import io.scaleprotoseg.trainer.model.ParameterSet;
import io.scaleprotoseg.trainer.model.PrototypeTable;
import io.scaleprotoseg.trainer.model.SegmentationNetwork;
import io.scaleprotoseg.trainer.phase.GroupLayer;
import io.scaleprotoseg.trainer.phase.Presets;
import io.scaleprotoseg.trainer.phase.Trainer;
import io.scaleprotoseg.trainer.phase.TrainingConfig;
import io.scaleprotoseg.trainer.phase.TrainingException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train --init-from} and {@code --stage2-from} with models of the reference implementation. */
class TrainFromReferenceTest extends DjlTestBase {
    static final String STAGE1 = "segmentation.model.model_multiscale.PPNetMultiScale";

    @TempDir
    Path dir;

    private final Scenes scenes = Scenes.defaults().withCounts(6, 3, 0);

    private static NetworkConfig net() {
        return NetworkConfig.builder(ModelKind.SCALEPROTOSEG, Scenes.LABELS.numClasses()).depth(ResNetLayout.Depth.R101)
                .stageBlocks(new int[] {1, 1, 1, 1}).widthDivisor(16).dilations(new int[] {6, 12}).prototypesPerClass(2)
                .dim(4).groupsPerClass(2).build();
    }

    private Path reference(String cls, boolean groups) throws Exception {
        NetworkConfig n = net();
        try (ParameterSet params = new ParameterSet(manager)) {
            Initialization.create(n, params, 3);
            PrototypeTable table = PrototypeTable.initial(n);
            if (groups) {
                GroupLayer.create(new SegmentationNetwork(n, params, table), n.groupsPerClass(), 3);
            }
            Path f = dir.resolve(groups ? "group.pth" : "stage1.pth");
            TorchFileWriter.writeZip(f, "push_last", new ReferenceLayout().model(n, params, table.classes(), table.scales(), cls)
                    .toObj());
            return f;
        }
    }

    private TrainingConfig config(ReferenceModel ref) {
        return Presets.get("scenes", ModelKind.SCALEPROTOSEG).withNetwork(ref.network()).withSteps(2, 2, 0)
                .withStageTwo(2, 2, 2.5e-4, 0.05, 1e-3, 0.05).withIntervals(0, 1000, 3);
    }

    @Test
    void stageTwoLearnsNewGroupsOnAReferenceStageOneModel() throws Exception {
        ReferenceModel ref = ReferenceModel.read(reference(STAGE1, false));
        Path run = dir.resolve("run");
        Trainer.Result r = new Trainer(config(ref), scenes.dataset(Split.TRAIN), scenes.dataset(Split.VAL), run, null, null)
                .startFrom(ref, true).run(false);
        try (NDManager m = manager.newSubManager(); TrainedModel model = TrainedModel.load(r.checkpoint(), m)) {
            assertTrue(model.params().contains(SegmentationNetwork.GROUP_WEIGHTS), "stage 2 made groups");
            // stage 2 trains only the groups: the reference's backbone and prototypes are kept as they were
            assertArrayEquals(ref.tensor("backbone.layer4.0.conv2.weight"), model.params().floats("backbone.layer4.0.conv2.weight"));
            assertArrayEquals(ref.tensor("prototypes"), model.params().floats("prototypes"));
            assertFalse(model.isImported());
        }
    }

    @Test
    void aReferenceGroupModelContinuesStageTwoWithItsGroups() throws Exception {
        ReferenceModel ref = ReferenceModel.read(reference(ReferenceModelTest.GROUP, true));
        Path run = dir.resolve("run");
        Trainer.Result r = new Trainer(config(ref), scenes.dataset(Split.TRAIN), scenes.dataset(Split.VAL), run, null, null)
                .startFrom(ref, false).run(false);
        try (NDManager m = manager.newSubManager(); TrainedModel model = TrainedModel.load(r.checkpoint(), m)) {
            float[] before = ref.tensor(SegmentationNetwork.GROUP_LAST_LAYER);
            float[] after = model.params().floats(SegmentationNetwork.GROUP_LAST_LAYER);
            assertEquals(before.length, after.length);
            assertFalse(java.util.Arrays.equals(before, after), "the group last layer was trained on");
            assertArrayEquals(ref.tensor("aspp.1.bias"), model.params().floats("aspp.1.bias"));
        }
        // a group model cannot get new groups, and stage 2 needs updates
        ReferenceModel grouped = ref;
        TrainingException e = assertThrows(TrainingException.class, () -> new Trainer(config(grouped), scenes.dataset(Split.TRAIN),
                scenes.dataset(Split.VAL), dir.resolve("again"), null, null).startFrom(grouped, true).run(false));
        assertTrue(e.getMessage().contains("stage 2 starts from a ScaleProtoSeg stage-1 model (use --init-from"), e.getMessage());
        TrainingConfig noStageTwo = config(ref).withStageTwo(0, 0, 2.5e-4, 0.05, 1e-3, 0.05);
        e = assertThrows(TrainingException.class, () -> new Trainer(noStageTwo, scenes.dataset(Split.TRAIN),
                scenes.dataset(Split.VAL), dir.resolve("none"), null, null).startFrom(grouped, false).run(false));
        assertTrue(e.getMessage().contains("but the settings give stage 2 no updates"), e.getMessage());
    }
}
