package io.scaleprotoseg.trainer.imports;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.scaleprotoseg.graph.network.NetworkConfig;
import io.scaleprotoseg.graph.network.ResNetLayout;
import io.scaleprotoseg.sdk.ErrorCode;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.torchfile.PyDict;
import io.scaleprotoseg.torchfile.TorchFileWriter;
import io.scaleprotoseg.trainer.DjlTestBase;
import io.scaleprotoseg.trainer.checkpoint.TrainedModel;
import io.scaleprotoseg.trainer.data.Scenes;
import io.scaleprotoseg.trainer.model.Initialization;
import io.scaleprotoseg.trainer.model.ParameterSet;
import io.scaleprotoseg.trainer.model.PrototypeTable;
import io.scaleprotoseg.trainer.model.SegmentationNetwork;
import io.scaleprotoseg.trainer.phase.GroupLayer;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The importer on whole-module files written in the reference's layout by the project's own writer
 * (so a checkout without the reference fixtures still tests it): every tensor lands under the right
 * name, the configuration is inferred, the imported network computes what the original did, and
 * each kind of bad file gets its message.
 */
class ReferenceModelTest extends DjlTestBase {
    static final String GROUP = "segmentation.model.model_multiscale_group.PPNetMultiScale";
    static final String PROTOSEG = "segmentation.model.model.PPNet";

    @TempDir
    Path dir;

    private static NetworkConfig net(ModelKind kind) {
        return NetworkConfig.builder(kind, 3).depth(ResNetLayout.Depth.R101).stageBlocks(new int[] {1, 1, 1, 1})
                .widthDivisor(16).dilations(kind == ModelKind.SCALEPROTOSEG ? new int[] {6, 12} : new int[] {6, 12, 18})
                .prototypesPerClass(2).dim(4).groupsPerClass(2).build();
    }

    /** Writes a random model of {@code n} in the reference layout; {@code edit} may change the tree first. */
    private Path write(NetworkConfig n, ParameterSet params, boolean groups, String cls, Consumer<ReferenceLayout.Module> edit)
            throws Exception {
        Initialization.create(n, params, 5);
        PrototypeTable table = PrototypeTable.initial(n);
        if (groups) {
            GroupLayer.create(new SegmentationNetwork(n, params, table), n.groupsPerClass(), 5);
        }
        ReferenceLayout.Module root = new ReferenceLayout().model(n, params, table.classes(), table.scales(), cls);
        edit.accept(root);
        Path f = dir.resolve("model-" + System.nanoTime() + ".pth");
        TorchFileWriter.writeZip(f, "final-group", root.toObj());
        return f;
    }

    @Test
    void aGroupModelImportsUnderItsOwnNamesAndComputesTheSame() throws Exception {
        NetworkConfig n = net(ModelKind.SCALEPROTOSEG);
        try (ParameterSet params = new ParameterSet(manager)) {
            Path f = write(n, params, true, GROUP, m -> { });
            ReferenceModel ref = ReferenceModel.read(f);
            assertEquals(ModelKind.SCALEPROTOSEG, ref.network().method());
            assertTrue(ref.grouped());
            assertArrayEquals(new int[] {1, 1, 1, 1}, ref.network().blocks());
            assertEquals(16, ref.network().widthDivisor());
            assertArrayEquals(new int[] {6, 12}, ref.network().dilations());
            assertEquals(2, ref.network().prototypesPerClass());
            assertEquals(4, ref.network().dim());
            assertEquals(2, ref.network().groupsPerClass());
            assertEquals(64, ref.sha256().length());
            for (String name : params.names()) {
                if (!name.equals(GroupLayer.DENSE_GROUP_WEIGHTS)) {
                    assertArrayEquals(params.floats(name), ref.tensor(name), name);
                }
            }
            assertArrayEquals(PrototypeTable.initial(n).scales(), ref.prototypes().scales());
            assertArrayEquals(PrototypeTable.initial(n).classes(), ref.prototypes().classes());
            float[] image = Scenes.defaults().withSize(64, 48).withCounts(0, 1, 0).dataset(io.scaleprotoseg.trainer.data.Split.VAL)
                    .get(0).image();
            try (NDManager m = manager.newSubManager();
                    TrainedModel imported = ref.toTrainedModel(threeClasses(), m)) {
                JniUtils.setGradMode(false);
                NDArray x = m.create(image, new Shape(1, 3, 48, 64));
                float[] original = new SegmentationNetwork(n, params, PrototypeTable.initial(n)).forward(x).logits().toFloatArray();
                float[] again = imported.network().forward(x).logits().toFloatArray();
                assertArrayEquals(original, again, "the imported network computes what the original did");
                assertTrue(imported.isImported());
                assertEquals("true", imported.importNotes().get("imported"));
            }
        }
    }

    private static io.scaleprotoseg.trainer.data.LabelSpace threeClasses() {
        return new io.scaleprotoseg.trainer.data.LabelSpace(io.scaleprotoseg.trainer.data.Palettes.classes(
                java.util.List.of("a", "b", "c"), io.scaleprotoseg.trainer.data.Palettes.generated(3)), 255);
    }

    @Test
    void protoSegImportsWithItsSummedAspp() throws Exception {
        NetworkConfig n = net(ModelKind.PROTOSEG);
        try (ParameterSet params = new ParameterSet(manager)) {
            ReferenceModel ref = ReferenceModel.read(write(n, params, false, PROTOSEG, m -> { }));
            assertEquals(ModelKind.PROTOSEG, ref.network().method());
            assertArrayEquals(new int[] {6, 12, 18}, ref.network().dilations());
            assertArrayEquals(params.floats("last_layer"), ref.tensor("last_layer"));
            assertArrayEquals(params.floats("prototypes"), ref.tensor("prototypes"));
        }
    }

    @Test
    void aWholeDeepLabModelWithItsInputPyramidImports() throws Exception {
        NetworkConfig n = NetworkConfig.builder(ModelKind.DEEPLABV2, 3).depth(ResNetLayout.Depth.R101)
                .stageBlocks(new int[] {1, 2, 1, 1}).widthDivisor(16).dilations(new int[] {6, 12, 18, 24}).build();
        try (ParameterSet params = new ParameterSet(manager)) {
            Initialization.create(n, params, 4);
            Path f = dir.resolve("deeplab.pth");
            TorchFileWriter.writeLegacy(f, new ReferenceLayout().deeplab(n, params, java.util.List.of(0.5, 0.75)).toObj());
            ReferenceModel ref = ReferenceModel.read(f);
            assertEquals(ModelKind.DEEPLABV2, ref.network().method());
            assertEquals(java.util.List.of(0.5, 0.75), ref.network().mscScales());
            assertArrayEquals(new int[] {1, 2, 1, 1}, ref.network().blocks());
            for (String name : params.names()) {
                assertArrayEquals(params.floats(name), ref.tensor(name), name);
            }
        }
    }

    @Test
    void badFilesAreRefusedWithWhatWasFound() throws Exception {
        NetworkConfig n = net(ModelKind.SCALEPROTOSEG);
        try (ParameterSet params = new ParameterSet(manager)) {
            Path unknown = write(n, params, true, "my.lab.SegNet", m -> { });
            ImportException e = assertThrows(ImportException.class, () -> ReferenceModel.read(unknown));
            assertEquals(ErrorCode.CHECKPOINT_INVALID, e.code());
            assertTrue(e.getMessage().contains("holds a model of class my.lab.SegNet (modules features: segmentation.utils.MSC, "
                    + "add_on_layers: torch.nn.modules.container.Sequential, group_projection:"), e.getMessage());
        }
        try (ParameterSet params = new ParameterSet(manager)) {
            Path strided = write(n, params, true, GROUP, m -> m.at("features.base.layer4.block1.conv3x3.conv", ReferenceLayout.CONV)
                    .attrs.put("dilation", TorchFileWriter.Tuple.of(1L, 1L)));
            ImportException e = assertThrows(ImportException.class, () -> ReferenceModel.read(strided));
            assertTrue(e.getMessage().contains("convolution features.base.layer4.block1.conv3x3.conv has dilation [1, 1] where "
                    + "the DeepLabv2 ResNet has 2"), e.getMessage());
        }
        try (ParameterSet params = new ParameterSet(manager)) {
            Path nan = write(n, params, true, GROUP, m -> { });
            ReferenceModel ok = ReferenceModel.read(nan);
            ImportException e = assertThrows(ImportException.class, () -> ok.toTrainedModel(Scenes.LABELS, manager));
            assertTrue(e.getMessage().contains("has 3 classes but the classes given (--classes) name 7"), e.getMessage());
        }
        try (ParameterSet params = new ParameterSet(manager)) {
            Initialization.create(n, params, 1);
            params.set("prototypes", new float[params.floats("prototypes").length]);
            float[] w = params.floats("aspp.0.weight");
            w[3] = Float.NaN;
            params.set("aspp.0.weight", w);
            PrototypeTable table = PrototypeTable.initial(n);
            GroupLayer.create(new SegmentationNetwork(n, params, table), 2, 1);
            ReferenceLayout.Module root = new ReferenceLayout().model(n, params, table.classes(), table.scales(), GROUP);
            Path f = dir.resolve("nan.pth");
            TorchFileWriter.writeZip(f, "nan", root.toObj());
            ImportException e = assertThrows(ImportException.class, () -> ReferenceModel.read(f));
            assertTrue(e.getMessage().contains("tensor 'features.base.aspp.c0.weight' holds NaN at element 3"), e.getMessage());
        }
        PyDict backbone = TorchFileWriter.orderedDict();
        backbone.put("conv1.weight", TorchFileWriter.Tensor.of("0", new float[8 * 3 * 49], 8, 3, 7, 7));
        Path sd = dir.resolve("resnet101.pth");
        TorchFileWriter.writeZip(sd, "resnet101", backbone);
        ImportException e = assertThrows(ImportException.class, () -> ReferenceModel.read(sd));
        assertTrue(e.getMessage().contains("is a state dict of 1 tensors (conv1.weight), a backbone without a segmentation head"),
                e.getMessage());
        assertTrue(e.getMessage().contains("use 'scaleprotoseg train --weights resnet101.pth'"), e.getMessage());
        PyDict protoSd = TorchFileWriter.orderedDict();
        protoSd.put("prototype_vectors", TorchFileWriter.Tensor.of("0", new float[4], 2, 2, 1, 1));
        Path psd = dir.resolve("sd.pth");
        TorchFileWriter.writeLegacy(psd, protoSd);
        e = assertThrows(ImportException.class, () -> ReferenceModel.read(psd));
        assertTrue(e.getMessage().contains("is a state dict of a prototype model; import needs the whole module"), e.getMessage());
        e = assertThrows(ImportException.class, () -> ReferenceModel.read(dir.resolve("absent.pth")));
        assertTrue(e.getMessage().contains("absent.pth does not exist"), e.getMessage());
    }
}
