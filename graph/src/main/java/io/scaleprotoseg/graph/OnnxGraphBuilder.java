package io.scaleprotoseg.graph;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Low-level assembly of an ONNX graph with the {@code ai.onnx.proto.OnnxMl} protobuf classes:
 * nodes with unique names, float and int64 initializers (raw little-endian data), attributes.
 * Not thread-safe; one builder per graph.
 */
final class OnnxGraphBuilder {
    private final OnnxMl.GraphProto.Builder graph = OnnxMl.GraphProto.newBuilder();
    private final Map<float[], String> floatInits = new IdentityHashMap<>();
    private final Map<Object, List<String>> memo = new IdentityHashMap<>();
    private final Set<String> names = new HashSet<>();
    private int counter;

    OnnxGraphBuilder(String name) {
        graph.setName(name);
    }

    OnnxMl.GraphProto.Builder proto() {
        return graph;
    }

    /** A fresh value name starting with {@code hint}. */
    String fresh(String hint) {
        String n;
        do {
            n = hint + "_" + counter++;
        } while (names.contains(n));
        names.add(n);
        return n;
    }

    /** Reserves an exact name (graph inputs and outputs). */
    String reserve(String name) {
        if (!names.add(name)) {
            throw new IllegalStateException("value name " + name + " is used twice");
        }
        return name;
    }

    /**
     * A float initializer. The same data array registered twice yields the same initializer, so
     * weights shared by repeated subgraphs (multi-scale input) are stored once.
     */
    String floatInit(String name, float[] data, long... dims) {
        String existing = floatInits.get(data);
        if (existing != null) {
            return existing;
        }
        String n = names.contains(name) ? fresh(name) : reserve(name);
        ByteBuffer bb = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bb.asFloatBuffer().put(data);
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(n)
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
                .setRawData(ByteString.copyFrom(bb.array()));
        for (long d : dims) {
            t.addDims(d);
        }
        graph.addInitializer(t);
        floatInits.put(data, n);
        return n;
    }

    /**
     * The initializer names made for {@code key} (by identity), making them once with
     * {@code make}: a layer emitted several times (multi-scale input) shares its weights.
     */
    List<String> initializersOf(Object key, Supplier<List<String>> make) {
        return memo.computeIfAbsent(key, k -> make.get());
    }

    /** An int64 initializer (shapes, axes, slice bounds). */
    String int64Init(String hint, long... values) {
        String n = fresh(hint);
        ByteBuffer bb = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        bb.asLongBuffer().put(values);
        graph.addInitializer(OnnxMl.TensorProto.newBuilder().setName(n)
                .setDataType(OnnxMl.TensorProto.DataType.INT64.getNumber())
                .addDims(values.length)
                .setRawData(ByteString.copyFrom(bb.array())));
        return n;
    }

    /** A scalar float initializer. */
    String scalar(String hint, float value) {
        String n = fresh(hint);
        ByteBuffer bb = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        bb.putFloat(value);
        graph.addInitializer(OnnxMl.TensorProto.newBuilder().setName(n)
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
                .setRawData(ByteString.copyFrom(bb.array())));
        return n;
    }

    /** Adds a node with one output named {@code output} (or a fresh one when null). */
    String node(String op, List<String> inputs, String output, OnnxMl.AttributeProto... attrs) {
        String out = output == null ? fresh(op.toLowerCase(Locale.ROOT)) : output;
        nodeMulti(op, inputs, List.of(out), attrs);
        return out;
    }

    /** Adds a node with several outputs. */
    void nodeMulti(String op, List<String> inputs, List<String> outputs, OnnxMl.AttributeProto... attrs) {
        OnnxMl.NodeProto.Builder n = OnnxMl.NodeProto.newBuilder().setOpType(op).setName(op + "_" + counter++);
        n.addAllInput(inputs);
        n.addAllOutput(outputs);
        for (OnnxMl.AttributeProto a : attrs) {
            n.addAttribute(a);
        }
        graph.addNode(n);
    }

    static OnnxMl.AttributeProto ints(String name, long... values) {
        OnnxMl.AttributeProto.Builder a = OnnxMl.AttributeProto.newBuilder().setName(name)
                .setType(OnnxMl.AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    static OnnxMl.AttributeProto integer(String name, long value) {
        return OnnxMl.AttributeProto.newBuilder().setName(name).setType(OnnxMl.AttributeProto.AttributeType.INT)
                .setI(value).build();
    }

    static OnnxMl.AttributeProto string(String name, String value) {
        return OnnxMl.AttributeProto.newBuilder().setName(name).setType(OnnxMl.AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(value)).build();
    }

    /** A tensor value-info with symbolic ({@code String}) or fixed ({@code Number}) dimensions. */
    static OnnxMl.ValueInfoProto valueInfo(String name, OnnxMl.TensorProto.DataType type, Object... dims) {
        OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
        for (Object d : dims) {
            OnnxMl.TensorShapeProto.Dimension.Builder dim = OnnxMl.TensorShapeProto.Dimension.newBuilder();
            if (d instanceof Number num) {
                dim.setDimValue(num.longValue());
            } else {
                dim.setDimParam(d.toString());
            }
            shape.addDim(dim);
        }
        return OnnxMl.ValueInfoProto.newBuilder().setName(name)
                .setType(OnnxMl.TypeProto.newBuilder().setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
                        .setElemType(type.getNumber()).setShape(shape)))
                .build();
    }
}
