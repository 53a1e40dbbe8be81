package io.scaleprotoseg.runtime.ort;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.ErrorCode;
import io.scaleprotoseg.sdk.ModelFormatException;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.sdk.ScaleProtoSegException;
import io.scaleprotoseg.sdk.Segmenter;
import io.scaleprotoseg.sdk.internal.GraphContract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Models crafted from a valid export, each with one thing the contract forbids: refused before a
 * native session exists, with a message naming the node or tensor.
 */
class HostileModelTest {
    @TempDir
    static Path dir;
    static OnnxMl.ModelProto valid;

    @BeforeAll
    static void export() throws IOException {
        Path f = TestModels.write(TestModels.model(ModelKind.SCALEPROTOSEG, 3), dir, "valid.onnx");
        valid = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(f));
    }

    private static Path write(String name, UnaryOperator<OnnxMl.ModelProto.Builder> change) throws IOException {
        Path f = dir.resolve(name);
        Files.write(f, change.apply(valid.toBuilder()).build().toByteArray());
        return f;
    }

    private static String refused(Path model) {
        ScaleProtoSegException e = assertThrows(ScaleProtoSegException.class,
                () -> Segmenter.builder().model(model).backend(Backend.ORT_CPU).build().close());
        assertEquals(ErrorCode.CONTRACT_VIOLATION, e.code(), e.getMessage());
        assertTrue(e instanceof ModelFormatException, e.getClass().getName());
        return e.getMessage();
    }

    /** Moves the data of the first backbone initializer to an external file at {@code location}. */
    private static UnaryOperator<OnnxMl.ModelProto.Builder> external(String location) {
        return b -> {
            OnnxMl.GraphProto.Builder g = b.getGraphBuilder();
            for (int i = 0; i < g.getInitializerCount(); i++) {
                OnnxMl.TensorProto t = g.getInitializer(i);
                if (t.getDimsCount() == 4) {
                    g.setInitializer(i, t.toBuilder().clearRawData().clearFloatData()
                            .setDataLocation(OnnxMl.TensorProto.DataLocation.EXTERNAL)
                            .addExternalData(OnnxMl.StringStringEntryProto.newBuilder().setKey("location").setValue(location))
                            .build());
                    break;
                }
            }
            return b;
        };
    }

    @Test
    void externalDataIsRefusedWithoutOpeningTheFile() throws Exception {
        Path secret = dir.getParent().resolve("secret-" + System.nanoTime() + ".bin");
        Files.write(secret, new byte[1 << 16]);
        for (String location : new String[] {"../" + secret.getFileName(), secret.toString(), "/dev/urandom", "weights.bin"}) {
            String m = refused(write("external.onnx", external(location)));
            assertTrue(m.contains("is stored as external data in '" + location + "'"), m);
            assertTrue(m.contains("the file named was not opened"), m);
        }
        // a FIFO blocks whoever opens it for reading: the refusal must come without opening it
        Path fifo = dir.resolve("fifo");
        Process p = new ProcessBuilder("mkfifo", fifo.toString()).start();
        org.junit.jupiter.api.Assumptions.assumeTrue(p.waitFor() == 0, "mkfifo is not available");
        Path model = write("fifo.onnx", external(fifo.toString()));
        String m = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> refused(model));
        assertTrue(m.contains("external data"), m);
        Files.delete(secret);
    }

    /**
     * With the host's opt-in, external data is read from regular files inside the model's folder
     * only: the model runs as the single-file one does; paths leaving the folder (by "..", absolutely
     * or through a link) and devices are still refused.
     */
    @Test
    void externalDataInsideTheModelsFolderRunsWhenAllowed() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("trusted"));
        byte[][] moved = new byte[1][];
        Path model = folder.resolve("model.onnx");
        OnnxMl.ModelProto.Builder b = valid.toBuilder();
        OnnxMl.GraphProto.Builder g = b.getGraphBuilder();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            OnnxMl.TensorProto t = g.getInitializer(i);
            if (t.getDimsCount() == 4 && !t.getRawData().isEmpty()) {
                moved[0] = t.getRawData().toByteArray();
                g.setInitializer(i, t.toBuilder().clearRawData().setDataLocation(OnnxMl.TensorProto.DataLocation.EXTERNAL)
                        .addExternalData(OnnxMl.StringStringEntryProto.newBuilder().setKey("location").setValue("weights.bin"))
                        .build());
                break;
            }
        }
        Files.write(model, b.build().toByteArray());
        Files.write(folder.resolve("weights.bin"), moved[0]);
        Path single = dir.resolve("valid-single.onnx");
        Files.write(single, valid.toByteArray());
        float[] image = TestModels.image(40, 32, 1);
        try (Segmenter a = Segmenter.builder().model(single).backend(Backend.ORT_CPU).build();
                Segmenter e = Segmenter.builder().model(model).backend(Backend.ORT_CPU).allowExternalData(true).build()) {
            assertEquals(java.util.Arrays.toString(a.segment(image, 40, 32).logits()),
                    java.util.Arrays.toString(e.segment(image, 40, 32).logits()), "the same weights, read from weights.bin");
        }
        assertTrue(refused(model).contains("is stored as external data in 'weights.bin'"), "refused without the opt-in");
        Path outside = dir.resolve("outside.bin");
        Files.write(outside, moved[0]);
        Files.createSymbolicLink(folder.resolve("link.bin"), outside);
        for (String location : new String[] {"../outside.bin", outside.toString(), "link.bin", "missing.bin"}) {
            Files.write(model, external(location).apply(valid.toBuilder()).build().toByteArray());
            ScaleProtoSegException x = assertThrows(ScaleProtoSegException.class,
                    () -> Segmenter.builder().model(model).backend(Backend.ORT_CPU).allowExternalData(true).build().close());
            assertEquals(ErrorCode.CONTRACT_VIOLATION, x.code(), location + ": " + x.getMessage());
            assertTrue(x.getMessage().contains("names external data '" + location + "'"), x.getMessage());
        }
    }

    @Test
    void customDomainsFunctionsUnknownOperatorsAndSubgraphsAreRefused() throws IOException {
        String m = refused(write("domain.onnx", b -> {
            b.getGraphBuilder().getNodeBuilder(0).setDomain("com.example.evil");
            return b;
        }));
        assertTrue(m.contains("is in operator domain 'com.example.evil'"), m);
        m = refused(write("opset.onnx", b -> b.addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("com.microsoft")
                .setVersion(1))));
        assertTrue(m.contains("it imports operator domain 'com.microsoft'"), m);
        m = refused(write("function.onnx", b -> b.addFunctions(OnnxMl.FunctionProto.newBuilder().setName("payload")
                .setDomain("local"))));
        assertTrue(m.contains("it defines model-local functions (payload, ...)"), m);
        m = refused(write("op.onnx", b -> {
            OnnxMl.NodeProto.Builder n = b.getGraphBuilder().getNodeBuilder(0);
            n.setOpType("Loop");
            return b;
        }));
        assertTrue(m.contains("uses operator Loop, which the exporter never writes"), m);
        m = refused(write("subgraph.onnx", b -> {
            b.getGraphBuilder().getNodeBuilder(0).addAttribute(OnnxMl.AttributeProto.newBuilder().setName("body")
                    .setType(OnnxMl.AttributeProto.AttributeType.GRAPH).setG(OnnxMl.GraphProto.newBuilder().setName("inner")));
            return b;
        }));
        assertTrue(m.contains("has a subgraph in attribute 'body'"), m);
    }

    @Test
    void initializersWhoseDataDisagreesWithTheirShapeAreRefused() throws IOException {
        String m = refused(write("short.onnx", b -> {
            OnnxMl.GraphProto.Builder g = b.getGraphBuilder();
            for (int i = 0; i < g.getInitializerCount(); i++) {
                OnnxMl.TensorProto t = g.getInitializer(i);
                if (t.getDimsCount() == 4 && !t.getRawData().isEmpty()) {
                    g.setInitializer(i, t.toBuilder().setRawData(t.getRawData().substring(0, t.getRawData().size() - 4)).build());
                    break;
                }
            }
            return b;
        }));
        assertTrue(m.matches("(?s).*initializer '[^']+' holds \\d+ bytes where its shape \\[.*\\] needs \\d+.*"), m);
        m = refused(write("type.onnx", b -> {
            b.getGraphBuilder().addInitializer(OnnxMl.TensorProto.newBuilder().setName("odd")
                    .setDataType(OnnxMl.TensorProto.DataType.COMPLEX64.getNumber()).addDims(1).setRawData(ByteString.copyFrom(new byte[8])));
            return b;
        }));
        assertTrue(m.contains("initializer 'odd' has element type 14, which model files do not use"), m);
    }

    @Test
    void aHostsLimitsBoundTheFileAndItsCard() throws Exception {
        Path f = write("limits.onnx", b -> b);
        long size = Files.size(f);
        String[][] cases = {
            {"bytes", "has " + size + " bytes, more than the limit of 1000 (ModelLimits.maxModelBytes)"},
            {"card", "characters, more than the limit of 2000 (ModelLimits.maxCardBytes)"},
            {"nesting", "the model card is not valid JSON"},
            {"classes", "classes, "},
        };
        for (String[] c : cases) {
            io.scaleprotoseg.sdk.ModelLimits limits = switch (c[0]) {
                case "bytes" -> new io.scaleprotoseg.sdk.ModelLimits(1000, 1 << 20, 64, 100, 1000, 1000);
                case "card" -> new io.scaleprotoseg.sdk.ModelLimits(size, 2000, 64, 100, 1000, 1000);
                case "nesting" -> new io.scaleprotoseg.sdk.ModelLimits(size, 1 << 24, 4, 100, 1000, 1000);
                default -> new io.scaleprotoseg.sdk.ModelLimits(size, 1 << 24, 64, 2, 1000, 1000);
            };
            ScaleProtoSegException e = assertThrows(ScaleProtoSegException.class,
                    () -> Segmenter.builder().model(f).backend(Backend.ORT_CPU).limits(limits).build().close());
            assertTrue(e.getMessage().contains(c[1]), c[0] + ": " + e.getMessage());
        }
        // the defaults take the model
        Segmenter.builder().model(f).backend(Backend.ORT_CPU).limits(io.scaleprotoseg.sdk.ModelLimits.DEFAULT).build().close();
    }

    /** The exporter writes only operators of the contract's list, for every kind of model. */
    @Test
    void theExporterStaysWithinTheOperatorList() throws IOException {
        Set<String> used = new HashSet<>();
        for (ModelKind kind : ModelKind.values()) {
            for (var msc : java.util.List.of(java.util.List.<Double>of(), java.util.List.of(0.5, 0.75))) {
                Path f = TestModels.write(io.scaleprotoseg.graph.RandomModels.build(TestModels.spec(kind, 5, msc)), dir,
                        kind.id() + msc.size() + ".onnx");
                for (OnnxMl.NodeProto n : OnnxMl.ModelProto.parseFrom(Files.readAllBytes(f)).getGraph().getNodeList()) {
                    used.add(n.getOpType());
                }
            }
        }
        assertTrue(GraphContract.OPERATORS.containsAll(used), "operators outside the list: " + used);
    }
}
