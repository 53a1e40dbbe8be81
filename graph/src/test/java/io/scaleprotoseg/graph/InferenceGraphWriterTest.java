package io.scaleprotoseg.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import io.scaleprotoseg.sdk.ModelCard;
import io.scaleprotoseg.sdk.ModelKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The written file is valid ONNX that follows the model contract; bad weights are refused by name. */
class InferenceGraphWriterTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(ModelKind.class)
    void graphIsWellFormedAndFollowsTheContract(ModelKind kind) throws Exception {
        InferenceModel model = RandomModels.build(RandomModels.Spec.small(kind, 3));
        OnnxMl.ModelProto proto = InferenceGraphWriter.build(model);
        assertEquals(7, proto.getIrVersion());
        assertEquals(1, proto.getOpsetImportCount());
        assertEquals(13, proto.getOpsetImport(0).getVersion());
        OnnxMl.GraphProto g = proto.getGraph();

        Set<String> defined = new HashSet<>();
        g.getInputList().forEach(v -> defined.add(v.getName()));
        g.getInitializerList().forEach(t -> defined.add(t.getName()));
        Set<String> produced = new HashSet<>();
        for (OnnxMl.NodeProto n : g.getNodeList()) {
            for (String in : n.getInputList()) {
                assertTrue(in.isEmpty() || defined.contains(in), n.getOpType() + " " + n.getName() + " reads undefined " + in);
            }
            for (String out : n.getOutputList()) {
                assertTrue(produced.add(out), out + " is produced twice");
                defined.add(out);
            }
        }
        assertEquals(List.of("pixels"), g.getInputList().stream().map(OnnxMl.ValueInfoProto::getName).toList());
        List<String> outputs = g.getOutputList().stream().map(OnnxMl.ValueInfoProto::getName).toList();
        List<String> expected = switch (kind) {
            case SCALEPROTOSEG -> List.of("mask", "logits", "prototype_activations", "group_activations");
            case PROTOSEG -> List.of("mask", "logits", "prototype_activations");
            case DEEPLABV2 -> List.of("mask", "logits");
        };
        assertEquals(expected, outputs);
        for (String o : outputs) {
            assertTrue(produced.contains(o), "output " + o + " is produced by a node");
        }
        Map<String, OnnxMl.TensorProto> inits = new HashMap<>();
        g.getInitializerList().forEach(t -> inits.put(t.getName(), t));
        if (kind.hasPrototypes()) {
            PrototypeHead head = model.head();
            assertEquals(List.of((long) head.numPrototypes(), (long) head.dimension()), inits.get("prototypes").getDimsList());
            assertEquals(List.of(4L, (long) head.lastLayer().dim(1)), inits.get("last_layer").getDimsList());
        }
        assertEquals(kind.hasGroups(), inits.containsKey("group_weights"));
        if (kind.hasGroups()) {
            assertEquals(List.of(8L, (long) model.head().numPrototypes()), inits.get("group_weights").getDimsList());
        }
        String card = proto.getMetadataPropsList().stream().filter(e -> e.getKey().equals(ModelCard.METADATA_KEY))
                .findFirst().orElseThrow().getValue();
        assertEquals(model.card(), ModelCard.fromJson(card, "written"), "the card round-trips");
    }

    @Test
    void sharedMultiScaleWeightsAreStoredOnce() {
        RandomModels.Spec s = RandomModels.Spec.small(ModelKind.SCALEPROTOSEG, 4);
        InferenceModel msc = RandomModels.build(new RandomModels.Spec(s.kind(), s.classes(), s.dilations(),
                s.prototypesPerClass(), s.groupsPerClass(), s.dim(), s.width(), s.residualBlocks(), List.of(0.5, 0.75), 4));
        InferenceModel single = RandomModels.build(s);
        OnnxMl.GraphProto a = InferenceGraphWriter.build(msc).getGraph();
        OnnxMl.GraphProto b = InferenceGraphWriter.build(single).getGraph();
        long floatsA = a.getInitializerList().stream().filter(t -> t.getDataType() == 1).count();
        long floatsB = b.getInitializerList().stream().filter(t -> t.getDataType() == 1).count();
        assertTrue(floatsA <= floatsB + 2, "MSC adds its two scale factors, not another copy of the weights: " + floatsA
                + " vs " + floatsB);
        long convA = a.getNodeList().stream().filter(n -> n.getOpType().equals("Conv")).count();
        long convB = b.getNodeList().stream().filter(n -> n.getOpType().equals("Conv")).count();
        int trunkConvs = countConvs(single.backbone()) + single.aspp().branches().size();
        assertEquals(convB + 2L * trunkConvs, convA, "the backbone and ASPP run once more per extra scale");
    }

    @Test
    void writeIsAtomicAndLeavesNoTemporaryFile() throws Exception {
        Path out = dir.resolve("m.onnx");
        InferenceGraphWriter.write(RandomModels.build(RandomModels.Spec.small(ModelKind.PROTOSEG, 5)), out);
        assertTrue(Files.size(out) > 1000);
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(out), files.toList());
        }
        OnnxMl.ModelProto back = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(out));
        assertFalse(back.getGraph().getNodeList().isEmpty());
    }

    private static void refuses(String fragment, InferenceModel model) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InferenceGraphWriter.build(model));
        assertTrue(e.getMessage().contains(fragment), "'" + e.getMessage() + "' should contain '" + fragment + "'");
    }

    @Test
    void mismatchedWeightsAreRefusedByName() {
        InferenceModel m = RandomModels.build(RandomModels.Spec.small(ModelKind.SCALEPROTOSEG, 6));
        List<Layer> cut = m.backbone().subList(0, 2);
        refuses("the ASPP takes 16 channels but the backbone gives 8", new InferenceModel(m.card(), cut, m.aspp(), m.head()));
        Layer.Conv first = (Layer.Conv) m.backbone().get(0);
        Layer.Conv wrong = new Layer.Conv(FloatTensor.zeros(8, 4, 3, 3), null, 2, 1, 1, null, true);
        List<Layer> bad = new ArrayList<>(m.backbone());
        bad.set(0, wrong);
        refuses("backbone[0]: conv takes 4 channels but receives 3", new InferenceModel(m.card(), bad, m.aspp(), m.head()));
        assertEquals(3, first.inChannels());
        PrototypeHead h = m.head();
        float[] gw = h.groupWeights().data().clone();
        gw[0] += 0.5f;
        refuses("group weight [0, 0]", new InferenceModel(m.card(), m.backbone(), m.aspp(),
                new PrototypeHead(h.prototypes(), h.scales(), new FloatTensor(gw, h.groupWeights().shape()), h.lastLayer())));
        refuses("concatenates its 4 ASPP branches", new InferenceModel(m.card(), m.backbone(),
                new Aspp(m.aspp().branches(), false), m.head()));
        IllegalArgumentException unsorted = assertThrows(IllegalArgumentException.class,
                () -> new PrototypeHead(h.prototypes(), reversed(h.scales()), h.groupWeights(), h.lastLayer()));
        assertTrue(unsorted.getMessage().contains("sorted by scale"), unsorted.getMessage());
    }

    private static int countConvs(List<Layer> layers) {
        int n = 0;
        for (Layer l : layers) {
            if (l instanceof Layer.Conv) {
                n++;
            } else if (l instanceof Layer.Residual r) {
                n += countConvs(r.body()) + countConvs(r.shortcut());
            }
        }
        return n;
    }

    private static int[] reversed(int[] a) {
        int[] r = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[a.length - 1 - i];
        }
        return r;
    }
}
