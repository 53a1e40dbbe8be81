package io.scaleprotoseg.sdk.internal;

import ai.onnx.proto.OnnxMl;
import io.scaleprotoseg.sdk.ErrorCode;
import io.scaleprotoseg.sdk.ModelFormatException;
import io.scaleprotoseg.sdk.spi.ModelOutput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * What a model file may contain besides its card, checked on the parsed protobuf before any native
 * session exists, so that a crafted file cannot make ONNX Runtime or TensorRT read anything else or
 * run anything the exporter does not write:
 * <ul>
 *   <li>no tensor stored as external data (ONNX Runtime would read the file it names, anywhere on the
 *       host, into the weights);</li>
 *   <li>only the default ONNX domain, only the operators of {@link #OPERATORS}, no model-local
 *       functions, no subgraph attributes, no sparse initializers;</li>
 *   <li>every initializer's data agrees with its declared type and shape;</li>
 *   <li>the input is float32 rank 4 and each known output has the type and rank the contract gives.</li>
 * </ul>
 * Each violation names the node or tensor. Stateless.
 */
public final class GraphContract {
    /**
     * The operators a model file may use: those the exporter's graph writer emits (backbone, ASPP,
     * prototype head, multi-scale input, mask), and QuantizeLinear / DequantizeLinear for quantised
     * models. The graph writer's tests check that it stays within this list.
     */
    public static final Set<String> OPERATORS = Set.of("Add", "ArgMax", "Cast", "Concat", "Conv", "Div", "Exp", "Identity", "Log",
            "Max", "MaxPool", "Mul", "ReduceSumSquare", "Relu", "Resize", "Shape", "Sigmoid", "Slice", "Split", "Sub", "Sum",
            "Unsqueeze", "QuantizeLinear", "DequantizeLinear");

    private GraphContract() {
    }

    /**
     * Checks {@code model}.
     *
     * @throws ModelFormatException ({@link ErrorCode#CONTRACT_VIOLATION}) naming the node or tensor
     */
    public static void check(String src, OnnxMl.ModelProto model) throws ModelFormatException {
        check(src, model, null);
    }

    /**
     * Checks {@code model}; with {@code externalDataFolder} (the model's own folder, by the host's
     * explicit choice) tensors may be stored as external data, but only in regular files inside that
     * folder, named by relative paths that stay inside it after following links, with offset and length
     * inside the file and agreeing with the tensor's shape. Nothing is opened: files are only looked at.
     *
     * @throws ModelFormatException ({@link ErrorCode#CONTRACT_VIOLATION}) naming the node or tensor
     */
    public static void check(String src, OnnxMl.ModelProto model, Path externalDataFolder)
            throws ModelFormatException {
        for (OnnxMl.OperatorSetIdProto o : model.getOpsetImportList()) {
            if (!isDefaultDomain(o.getDomain())) {
                throw violation(src, "it imports operator domain '" + o.getDomain() + "'; a model file uses the default ONNX "
                        + "domain only");
            }
        }
        if (model.getFunctionsCount() > 0) {
            throw violation(src, "it defines model-local functions (" + model.getFunctions(0).getName() + ", ...), which the "
                    + "exporter never writes");
        }
        OnnxMl.GraphProto g = model.getGraph();
        if (g.getSparseInitializerCount() > 0) {
            throw violation(src, "it has sparse initializers (" + g.getSparseInitializer(0).getValues().getName() + ")");
        }
        for (OnnxMl.TensorProto t : g.getInitializerList()) {
            tensor(src, "initializer '" + t.getName() + "'", t, externalDataFolder);
        }
        for (OnnxMl.NodeProto n : g.getNodeList()) {
            String node = "node '" + n.getName() + "' (" + n.getOpType() + ")";
            if (!isDefaultDomain(n.getDomain())) {
                throw violation(src, node + " is in operator domain '" + n.getDomain() + "'; only the default ONNX domain is "
                        + "allowed");
            }
            if (!OPERATORS.contains(n.getOpType())) {
                throw violation(src, node + " uses operator " + n.getOpType() + ", which the exporter never writes (allowed: "
                        + String.join(", ", new java.util.TreeSet<>(OPERATORS)) + ")");
            }
            for (OnnxMl.AttributeProto a : n.getAttributeList()) {
                if (a.hasG() || a.getGraphsCount() > 0) {
                    throw violation(src, node + " has a subgraph in attribute '" + a.getName() + "'");
                }
                if (a.hasT()) {
                    tensor(src, node + " attribute '" + a.getName() + "'", a.getT(), externalDataFolder);
                }
                for (OnnxMl.TensorProto t : a.getTensorsList()) {
                    tensor(src, node + " attribute '" + a.getName() + "'", t, externalDataFolder);
                }
                if (a.hasSparseTensor() || a.getSparseTensorsCount() > 0) {
                    throw violation(src, node + " has a sparse tensor in attribute '" + a.getName() + "'");
                }
            }
        }
        for (OnnxMl.ValueInfoProto v : g.getOutputList()) {
            for (ModelOutput o : ModelOutput.values()) {
                if (o.onnxName().equals(v.getName())) {
                    boolean mask = o == ModelOutput.MASK;
                    var t = v.getType().getTensorType();
                    int type = mask ? OnnxMl.TensorProto.DataType.INT32.getNumber() : OnnxMl.TensorProto.DataType.FLOAT.getNumber();
                    int rank = mask ? 3 : 4;
                    if (t.getElemType() != type || (t.hasShape() && t.getShape().getDimCount() != rank)) {
                        throw violation(src, "its output '" + o.onnxName() + "' is not " + (mask ? "int32" : "float32") + " of rank "
                                + rank);
                    }
                }
            }
        }
    }

    private static boolean isDefaultDomain(String d) {
        return d.isEmpty() || d.equals("ai.onnx");
    }

    /** A tensor stored in the file, of a known type, whose data matches its shape. */
    private static void tensor(String src, String what, OnnxMl.TensorProto t, Path folder) throws ModelFormatException {
        boolean external = t.getDataLocation() == OnnxMl.TensorProto.DataLocation.EXTERNAL || t.getExternalDataCount() > 0;
        long count = 1;
        for (long d : t.getDimsList()) {
            if (d < 0) {
                throw violation(src, what + " has a negative dimension " + t.getDimsList());
            }
            count = Math.multiplyExact(count, d);
        }
        int bytes = elementBytes(t.getDataType());
        if (bytes == 0) {
            throw violation(src, what + " has element type " + t.getDataType() + ", which model files do not use");
        }
        if (external) {
            externalData(src, what, t, folder, count * bytes);
            return;
        }
        long have;
        if (!t.getRawData().isEmpty()) {
            have = t.getRawData().size();
            if (have != count * bytes) {
                throw violation(src, what + " holds " + have + " bytes where its shape " + t.getDimsList() + " needs " + count * bytes);
            }
            return;
        }
        have = switch (OnnxMl.TensorProto.DataType.forNumber(t.getDataType())) {
            case FLOAT -> t.getFloatDataCount();
            case INT64 -> t.getInt64DataCount();
            case DOUBLE -> t.getDoubleDataCount();
            default -> t.getInt32DataCount();
        };
        if (have != count) {
            throw violation(src, what + " holds " + have + " values where its shape " + t.getDimsList() + " needs " + count);
        }
    }

    /** External data: refused, or with the host's opt-in checked to lie inside the model's folder. Opens nothing. */
    private static void externalData(String src, String what, OnnxMl.TensorProto t, Path folder, long bytes)
            throws ModelFormatException {
        String location = "";
        long offset = 0;
        long length = -1;
        try {
            for (OnnxMl.StringStringEntryProto e : t.getExternalDataList()) {
                switch (e.getKey()) {
                    case "location" -> location = e.getValue();
                    case "offset" -> offset = Long.parseLong(e.getValue());
                    case "length" -> length = Long.parseLong(e.getValue());
                    default -> {
                        // checksum and other keys carry no location
                    }
                }
            }
        } catch (NumberFormatException e) {
            throw violation(src, what + " has a malformed external-data offset or length");
        }
        if (folder == null) {
            throw violation(src, what + " is stored as external data in '" + location + "'; model files keep every tensor "
                    + "inside, and the file named was not opened (a host that trusts this model can allow external data in "
                    + "the model's own folder: Segmenter.Builder.allowExternalData, --allow-external-data)");
        }
        Path rel;
        try {
            rel = Path.of(location);
        } catch (java.nio.file.InvalidPathException e) {
            throw violation(src, what + " names external data '" + location + "', which is not a path");
        }
        if (location.isEmpty() || rel.isAbsolute() || location.contains("..")) {
            throw violation(src, what + " names external data '" + location + "'; only a relative path inside the model's "
                    + "folder is allowed");
        }
        long size;
        try {
            Path root = folder.toRealPath();
            Path file = root.resolve(rel).toRealPath();
            if (!file.startsWith(root) || !Files.isRegularFile(file)) {
                throw violation(src, what + " names external data '" + location + "', which leads outside the model's "
                        + "folder or is not a regular file");
            }
            size = Files.size(file);
        } catch (IOException e) {
            throw violation(src, what + " names external data '" + location + "', which is not a file in the model's folder");
        }
        long len = length < 0 ? size - offset : length;
        if (offset < 0 || len != bytes || offset + len > size) {
            throw violation(src, what + " takes " + len + " bytes at offset " + offset + " of '" + location + "' (" + size
                    + " bytes); its shape needs " + bytes);
        }
    }

    private static int elementBytes(int type) {
        OnnxMl.TensorProto.DataType t = OnnxMl.TensorProto.DataType.forNumber(type);
        if (t == null) {
            return 0;
        }
        return switch (t) {
            case FLOAT, INT32 -> 4;
            case INT64, DOUBLE -> 8;
            case INT8, UINT8, BOOL -> 1;
            case FLOAT16, INT16, UINT16 -> 2;
            default -> 0;
        };
    }

    private static ModelFormatException violation(String src, String what) {
        return new ModelFormatException(ErrorCode.CONTRACT_VIOLATION, src + " does not follow the ScaleProtoSeg model contract: "
                + what + "; only load models exported by scaleprotoseg, and re-export this one");
    }
}
