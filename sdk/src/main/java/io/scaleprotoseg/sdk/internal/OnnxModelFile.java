package io.scaleprotoseg.sdk.internal;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import io.scaleprotoseg.sdk.ErrorCode;
import io.scaleprotoseg.sdk.ModelCard;
import io.scaleprotoseg.sdk.ModelFormatException;
import io.scaleprotoseg.sdk.ModelLimits;
import io.scaleprotoseg.sdk.spi.ModelOutput;
import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a model file and checks it against the model contract (DESIGN.md): the card, the input,
 * the outputs the model kind requires, and the head initializers, which must agree with the card.
 * Only the head weights are kept; the rest of the graph is left to the backend.
 */
public final class OnnxModelFile {
    /** Initializer names of the contract. */
    public static final String PROTOTYPES = "prototypes";
    public static final String GROUP_WEIGHTS = "group_weights";
    public static final String LAST_LAYER = "last_layer";

    private static final double CARD_WEIGHT_TOLERANCE = 1e-6;

    private final Path path;
    private final ModelCard card;
    private final Set<ModelOutput> outputs;
    private final ModelHead head;
    private final long opset;
    private final int fixedBatch;

    private OnnxModelFile(Path path, ModelCard card, Set<ModelOutput> outputs, ModelHead head, long opset, int fixedBatch) {
        this.fixedBatch = fixedBatch;
        this.path = path;
        this.card = card;
        this.outputs = outputs;
        this.head = head;
        this.opset = opset;
    }

    public Path path() {
        return path;
    }

    public ModelCard card() {
        return card;
    }

    /** The contract outputs the graph declares. */
    public Set<ModelOutput> outputs() {
        return EnumSet.copyOf(outputs);
    }

    /** The head weights used to compute evidence. */
    public ModelHead head() {
        return head;
    }

    /**
     * The batch size the input's first dimension fixes, or 0 when it is symbolic (any batch; what the
     * project's graph writer writes).
     */
    public int fixedBatch() {
        return fixedBatch;
    }

    /** The default-domain opset the model imports. */
    public long opset() {
        return opset;
    }

    /**
     * Reads and validates {@code path}.
     *
     * @throws ModelFormatException naming the file and the first contract violation
     */
    public static OnnxModelFile read(Path path) throws ModelFormatException {
        return read(path, false, ModelLimits.DEFAULT);
    }

    /**
     * Reads and validates {@code path}; with {@code allowExternalData}, tensors may be stored as
     * external data in regular files inside the model's own folder ({@link GraphContract}).
     * {@code limits} bound the file's size and its card.
     *
     * @throws ModelFormatException naming the file and the first contract violation
     */
    public static OnnxModelFile read(Path path, boolean allowExternalData, ModelLimits limits) throws ModelFormatException {
        String src = path.toString();
        if (!Files.isRegularFile(path)) {
            throw new ModelFormatException(ErrorCode.MODEL_UNREADABLE,
                    "model file " + src + " does not exist or is not a regular file; pass the path of an exported .onnx file");
        }
        try {
            long size = Files.size(path);
            if (size > limits.maxModelBytes()) {
                throw new ModelFormatException(ErrorCode.MODEL_UNREADABLE, "model file " + src + " has " + size
                        + " bytes, more than the limit of " + limits.maxModelBytes() + " (ModelLimits.maxModelBytes)");
            }
        } catch (IOException e) {
            throw new ModelFormatException(ErrorCode.MODEL_UNREADABLE, "model file " + src + " cannot be read: " + e.getMessage(), e);
        }
        OnnxMl.ModelProto model;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            // parsed from a read-only mapping with aliasing: tensor bytes stay in the file's pages (only their sizes are
            // checked, and the small head tensors read), so the weights are never copied onto the Java heap, where the
            // garbage would stay resident beside the backend's own copy (about 2x the weights, measured with ResNet-101)
            MappedByteBuffer mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
            // (a ByteString over the buffer reads as immutable input, the condition for aliasing)
            CodedInputStream coded = UnsafeByteOperations.unsafeWrap(mapped).newCodedInput();
            coded.enableAliasing(true);
            coded.setSizeLimit(Integer.MAX_VALUE);
            model = OnnxMl.ModelProto.parseFrom(coded);
        } catch (InvalidProtocolBufferException e) {
            throw notOnnx(src, "it does not parse as an ONNX protobuf: " + e.getMessage());
        } catch (InternalError e) {
            // the JVM's report of a fault in a mapped page: the file shrank while it was read
            throw new ModelFormatException(ErrorCode.MODEL_UNREADABLE, "model file " + src + " changed while it was read ("
                    + e.getMessage() + "); read it again once it is complete", e);
        } catch (IOException e) {
            throw new ModelFormatException(ErrorCode.MODEL_UNREADABLE,
                    "model file " + src + " cannot be read: " + e.getMessage(), e);
        }
        if (model.getIrVersion() <= 0 || !model.hasGraph() || model.getGraph().getNodeCount() == 0) {
            throw notOnnx(src, "it declares no IR version or no graph");
        }
        GraphContract.check(src, model, allowExternalData ? path.toAbsolutePath().getParent() : null);
        long opset = 0;
        for (OnnxMl.OperatorSetIdProto o : model.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                opset = o.getVersion();
            }
        }
        String json = null;
        for (OnnxMl.StringStringEntryProto e : model.getMetadataPropsList()) {
            if (ModelCard.METADATA_KEY.equals(e.getKey())) {
                json = e.getValue();
            }
        }
        if (json == null) {
            throw new ModelFormatException(ErrorCode.MISSING_CARD, src + " is an ONNX model without a '"
                    + ModelCard.METADATA_KEY + "' model card in its metadata; it was not written by the ScaleProtoSeg"
                    + " exporter: export it with 'scaleprotoseg export'");
        }
        ModelCard card = ModelCard.fromJson(json, src, limits);
        OnnxMl.GraphProto graph = model.getGraph();

        boolean hasInput = false;
        int fixedBatch = 0;
        for (OnnxMl.ValueInfoProto v : graph.getInputList()) {
            if (ModelOutput.INPUT_NAME.equals(v.getName())) {
                hasInput = true;
                var t = v.getType().getTensorType();
                if (t.getElemType() != OnnxMl.TensorProto.DataType.FLOAT.getNumber() || t.getShape().getDimCount() != 4) {
                    throw contract(src, "its input '" + ModelOutput.INPUT_NAME + "' is not a float32 rank-4 tensor");
                }
                var n = t.getShape().getDim(0);
                if (n.hasDimValue() && n.getDimValue() > 0) {
                    fixedBatch = (int) Math.min(Integer.MAX_VALUE, n.getDimValue());
                }
            }
        }
        if (!hasInput) {
            throw contract(src, "it has no input named '" + ModelOutput.INPUT_NAME + "' (float32 [N, 3, H, W])");
        }
        Set<ModelOutput> outputs = EnumSet.noneOf(ModelOutput.class);
        for (OnnxMl.ValueInfoProto v : graph.getOutputList()) {
            for (ModelOutput o : ModelOutput.values()) {
                if (o.onnxName().equals(v.getName())) {
                    outputs.add(o);
                }
            }
        }
        List<ModelOutput> required = new ArrayList<>(List.of(ModelOutput.MASK, ModelOutput.LOGITS));
        if (card.method().hasPrototypes()) {
            required.add(ModelOutput.PROTOTYPE_ACTIVATIONS);
        }
        if (card.method().hasGroups()) {
            required.add(ModelOutput.GROUP_ACTIVATIONS);
        }
        for (ModelOutput o : required) {
            if (!outputs.contains(o)) {
                throw contract(src, "it lacks the output '" + o.onnxName() + "' that a " + card.method().id()
                        + " model must have");
            }
        }

        Map<String, OnnxMl.TensorProto> inits = new HashMap<>();
        for (OnnxMl.TensorProto t : graph.getInitializerList()) {
            inits.put(t.getName(), t);
        }
        ModelHead head = card.method().hasPrototypes() ? readHead(src, card, inits) : ModelHead.blackBox(card);
        return new OnnxModelFile(path, card, outputs, head, opset, fixedBatch);
    }

    private static ModelHead readHead(String src, ModelCard card, Map<String, OnnxMl.TensorProto> inits)
            throws ModelFormatException {
        int pa = card.prototypes().size();
        int c = card.numClasses();
        float[] protos = floats(src, inits, PROTOTYPES, pa, -1);
        if (protos.length == 0) {
            throw contract(src, "its initializer 'prototypes' is empty");
        }
        boolean grouped = card.method().hasGroups();
        int ga = card.groups().size();
        int cols = grouped ? ga : pa;
        float[] last = floats(src, inits, LAST_LAYER, c, cols);
        float[] groupWeights = null;
        if (grouped) {
            groupWeights = floats(src, inits, GROUP_WEIGHTS, ga, pa);
            Map<Integer, Integer> channelOfId = new HashMap<>();
            for (int j = 0; j < pa; j++) {
                channelOfId.put(card.prototypes().get(j).id(), j);
            }
            for (int k = 0; k < ga; k++) {
                ModelCard.Group g = card.groups().get(k);
                double[] expected = new double[pa];
                for (ModelCard.Member m : g.members()) {
                    expected[channelOfId.get(m.prototypeId())] = m.weight();
                }
                for (int j = 0; j < pa; j++) {
                    if (Math.abs(groupWeights[k * pa + j] - expected[j]) > CARD_WEIGHT_TOLERANCE) {
                        throw new ModelFormatException(ErrorCode.INVALID_CARD, src + ": initializer 'group_weights' ["
                                + k + ", " + j + "] = " + groupWeights[k * pa + j] + " but the card gives group "
                                + g.index() + " of class " + g.classId() + " weight " + expected[j] + " for prototype "
                                + card.prototypes().get(j).id() + "; the file was modified after export");
                    }
                }
            }
        }
        return ModelHead.of(card, last, groupWeights);
    }

    /** Reads a float initializer and checks its shape ({@code cols < 0}: any column count). */
    private static float[] floats(String src, Map<String, OnnxMl.TensorProto> inits, String name, int rows, int cols)
            throws ModelFormatException {
        OnnxMl.TensorProto t = inits.get(name);
        if (t == null) {
            throw contract(src, "it lacks the initializer '" + name + "'");
        }
        if (t.getDataType() != OnnxMl.TensorProto.DataType.FLOAT.getNumber() || t.getDimsCount() != 2
                || t.getDims(0) != rows || (cols >= 0 && t.getDims(1) != cols)) {
            throw contract(src, "its initializer '" + name + "' has type " + t.getDataType() + " and shape "
                    + t.getDimsList() + "; the card requires float32 [" + rows + ", " + (cols < 0 ? "D" : cols) + "]");
        }
        int n = (int) (t.getDims(0) * t.getDims(1));
        float[] out = new float[n];
        if (!t.getRawData().isEmpty()) {
            if (t.getRawData().size() != 4L * n) {
                throw contract(src, "its initializer '" + name + "' holds " + t.getRawData().size() + " bytes for " + n + " floats");
            }
            ByteBuffer bb = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            bb.asFloatBuffer().get(out);
        } else {
            if (t.getFloatDataCount() != n) {
                throw contract(src, "its initializer '" + name + "' holds " + t.getFloatDataCount() + " values for " + n);
            }
            for (int i = 0; i < n; i++) {
                out[i] = t.getFloatData(i);
            }
        }
        return out;
    }

    private static ModelFormatException notOnnx(String src, String why) {
        return new ModelFormatException(ErrorCode.NOT_ONNX, src + " is not an ONNX model (" + why
                + "); pass a .onnx file written by 'scaleprotoseg export'");
    }

    private static ModelFormatException contract(String src, String what) {
        return new ModelFormatException(ErrorCode.CONTRACT_VIOLATION, src + " does not follow the ScaleProtoSeg model contract: "
                + what + "; re-export the model");
    }
}
