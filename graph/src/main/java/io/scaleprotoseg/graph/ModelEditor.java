package io.scaleprotoseg.graph;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import io.scaleprotoseg.sdk.ErrorCode;
import io.scaleprotoseg.sdk.GroupRef;
import io.scaleprotoseg.sdk.ModelCard;
import io.scaleprotoseg.sdk.ModelFormatException;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.sdk.ScaleProtoSegException;
import io.scaleprotoseg.sdk.spi.FileDigest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Disables prototypes and groups of an exported model ({@code scaleprotoseg edit}): the written
 * model computes what {@link io.scaleprotoseg.sdk.Segmentation#without} predicts.
 *
 * <p><b>What changes.</b> A disabled ScaleProtoSeg prototype gets weight 0 in every group (the
 * {@code group_weights} column; it leaves the card's group members), a disabled group gets a
 * last-layer column of 0, a disabled ProtoSeg prototype a last-layer column of 0. Nothing is
 * renormalised, as with thresholding. The prototypes stay in the file, so their activations are
 * still reported (what a disabled part sees remains auditable) and ids stay stable: an edit of an
 * edited model names parts by the same ids, and the card's {@link ModelCard#edits()} history grows
 * by one entry per edit (what, why, when, and the SHA-256 of the file edited).
 *
 * <p><b>Refused</b> ({@link ErrorCode#EDIT_REFUSED}) unless {@code allowEmpty}: a group left
 * without prototypes (its activation would be exp(0) = 1 everywhere, a constant vote), and a class
 * left without any group or prototype of its own (it would be scored by other classes' off-class
 * weights only). Always refused: a black-box model, unknown ids, parts already disabled, and an
 * edit that disables nothing. Stateless and thread-safe.
 */
public final class ModelEditor {
    private ModelEditor() {
    }

    /** Why an edit was refused. */
    public static final class EditException extends ScaleProtoSegException {
        private static final long serialVersionUID = 1L;

        public EditException(String message) {
            super(ErrorCode.EDIT_REFUSED, message);
        }
    }

    /**
     * The edited model, in memory.
     *
     * @param proto the ONNX model to write
     * @param card its card, with the new edit last in the history
     */
    public record Edited(OnnxMl.ModelProto proto, ModelCard card) {
    }

    /**
     * Edits the model file {@code model}.
     *
     * @param prototypeIds prototype ids to disable (the card's ids)
     * @param groups groups to disable (ScaleProtoSeg)
     * @param reason why, recorded in the card
     * @param allowEmpty accept a group or class left without parts
     * @throws ModelFormatException when {@code model} is not a valid model file
     * @throws EditException when the edit is refused
     */
    public static Edited edit(Path model, Set<Integer> prototypeIds, Set<GroupRef> groups, String reason, boolean allowEmpty)
            throws IOException, ModelFormatException, EditException {
        ModelCard card = ModelCard.read(model);
        String src = model.toString();
        if (!card.method().hasPrototypes()) {
            throw new EditException(src + " is a " + card.method().id() + " (black-box) model: it has no prototypes or groups "
                    + "to disable");
        }
        if (prototypeIds.isEmpty() && groups.isEmpty()) {
            throw new EditException("nothing to disable: name prototypes or groups");
        }
        if (reason == null || reason.isBlank()) {
            throw new EditException("an edit needs a reason; it is recorded in the model card");
        }
        boolean grouped = card.method() == ModelKind.SCALEPROTOSEG;
        if (!grouped && !groups.isEmpty()) {
            throw new EditException(src + " is a " + card.method().id() + " model, which has no groups; disable prototypes");
        }
        OnnxMl.ModelProto proto = parse(model);
        Map<String, OnnxMl.TensorProto> inits = new HashMap<>();
        for (OnnxMl.TensorProto t : proto.getGraph().getInitializerList()) {
            inits.put(t.getName(), t);
        }
        int c = card.numClasses();
        int pa = card.prototypes().size();
        float[] last = floats(inits.get(InferenceGraphWriter.LAST_LAYER));
        int cols = last.length / c;
        float[] gw = grouped ? floats(inits.get(InferenceGraphWriter.GROUP_WEIGHTS)) : null;

        Map<Integer, Integer> channelOf = new HashMap<>();
        for (int j = 0; j < pa; j++) {
            channelOf.put(card.prototypes().get(j).id(), j);
        }
        for (int id : new TreeSet<>(prototypeIds)) {
            Integer j = channelOf.get(id);
            if (j == null) {
                throw new EditException("prototype " + id + " is not in " + src + "; `scaleprotoseg info` lists its prototypes");
            }
            boolean live = false;
            if (grouped) {
                for (int k = 0; k < cols; k++) {
                    live |= gw[k * pa + j] != 0;
                    gw[k * pa + j] = 0;
                }
            } else {
                for (int cls = 0; cls < c; cls++) {
                    live |= last[cls * cols + j] != 0;
                    last[cls * cols + j] = 0;
                }
            }
            if (!live) {
                throw new EditException("prototype " + id + " already takes no part in " + src + " (disabled or thresholded)");
            }
        }
        for (GroupRef ref : groups) {
            int k = groupChannel(card, ref);
            if (k < 0) {
                throw new EditException("group " + ref + " is not in " + src + "; `scaleprotoseg info` lists its groups");
            }
            boolean live = false;
            for (int cls = 0; cls < c; cls++) {
                live |= last[cls * cols + k] != 0;
                last[cls * cols + k] = 0;
            }
            if (!live) {
                throw new EditException("group " + ref + " is already disabled in " + src);
            }
        }

        List<ModelCard.Group> editedGroups = new ArrayList<>();
        for (ModelCard.Group g : card.groups()) {
            List<ModelCard.Member> members = g.members().stream().filter(m -> !prototypeIds.contains(m.prototypeId())).toList();
            editedGroups.add(new ModelCard.Group(g.classId(), g.index(), members));
        }
        if (!allowEmpty) {
            checkNothingEmpty(card, editedGroups, last, cols, grouped);
        }
        List<String> groupNames = groups.stream().map(GroupRef::toString).sorted().toList();
        ModelCard.Edit record = new ModelCard.Edit(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), reason.strip(),
                List.copyOf(new TreeSet<>(prototypeIds)), groupNames, FileDigest.sha256(model));
        ModelCard edited = card.withEdit(record, editedGroups);
        edited.validate("edited model card");

        OnnxMl.GraphProto.Builder graph = proto.getGraph().toBuilder();
        for (int i = 0; i < graph.getInitializerCount(); i++) {
            String name = graph.getInitializer(i).getName();
            if (name.equals(InferenceGraphWriter.LAST_LAYER)) {
                graph.setInitializer(i, withData(graph.getInitializer(i), last));
            } else if (grouped && name.equals(InferenceGraphWriter.GROUP_WEIGHTS)) {
                graph.setInitializer(i, withData(graph.getInitializer(i), gw));
            }
        }
        OnnxMl.ModelProto.Builder out = proto.toBuilder().setGraph(graph);
        for (int i = 0; i < out.getMetadataPropsCount(); i++) {
            if (out.getMetadataProps(i).getKey().equals(ModelCard.METADATA_KEY)) {
                out.setMetadataProps(i, out.getMetadataProps(i).toBuilder().setValue(edited.toJson()));
            }
        }
        return new Edited(out.build(), edited);
    }

    /** Refuses a group left without members or a class left without a part of its own. */
    private static void checkNothingEmpty(ModelCard card, List<ModelCard.Group> groups, float[] last, int cols, boolean grouped)
            throws EditException {
        Set<Integer> classesLeft = new LinkedHashSet<>();
        if (grouped) {
            for (int k = 0; k < groups.size(); k++) {
                ModelCard.Group g = groups.get(k);
                boolean disabled = true;
                for (int cls = 0; cls < card.numClasses(); cls++) {
                    disabled &= last[cls * cols + k] == 0;
                }
                if (disabled) {
                    continue;
                }
                if (g.members().isEmpty()) {
                    GroupRef ref = new GroupRef(g.classId(), g.index());
                    throw new EditException("group " + ref + " of class " + card.className(g.classId()) + " would have no "
                            + "prototype left: its activation would be exp(0) = 1 everywhere, a constant vote; disable the "
                            + "group too (--disable-group " + ref + "), or pass --allow-empty");
                }
                classesLeft.add(g.classId());
            }
        } else {
            for (int j = 0; j < card.prototypes().size(); j++) {
                boolean live = false;
                for (int cls = 0; cls < card.numClasses(); cls++) {
                    live |= last[cls * cols + j] != 0;
                }
                if (live) {
                    classesLeft.add(card.prototypes().get(j).classId());
                }
            }
        }
        for (int cls = 0; cls < card.numClasses(); cls++) {
            if (!classesLeft.contains(cls)) {
                throw new EditException("class " + cls + " (" + card.className(cls) + ") would have no " + (grouped ? "group"
                        : "prototype") + " of its own left: it would be scored only by other classes' off-class weights and "
                        + "rarely or never predicted; keep one, or pass --allow-empty");
            }
        }
    }

    private static int groupChannel(ModelCard card, GroupRef ref) {
        for (int k = 0; k < card.groups().size(); k++) {
            ModelCard.Group g = card.groups().get(k);
            if (g.classId() == ref.classId() && g.index() == ref.index()) {
                return k;
            }
        }
        return -1;
    }

    private static OnnxMl.ModelProto parse(Path model) throws IOException {
        try (InputStream in = Files.newInputStream(model)) {
            CodedInputStream coded = CodedInputStream.newInstance(in);
            coded.setSizeLimit(Integer.MAX_VALUE);
            return OnnxMl.ModelProto.parseFrom(coded);
        }
    }

    /** The values of a float initializer (raw little-endian data or float_data; the contract check ran). */
    private static float[] floats(OnnxMl.TensorProto t) {
        if (t.getRawData().isEmpty()) {
            float[] v = new float[t.getFloatDataCount()];
            for (int i = 0; i < v.length; i++) {
                v[i] = t.getFloatData(i);
            }
            return v;
        }
        ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[b.remaining() / Float.BYTES];
        b.asFloatBuffer().get(v);
        return v;
    }

    private static OnnxMl.TensorProto withData(OnnxMl.TensorProto t, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return t.toBuilder().clearFloatData().setRawData(ByteString.copyFrom(b.array())).build();
    }
}
