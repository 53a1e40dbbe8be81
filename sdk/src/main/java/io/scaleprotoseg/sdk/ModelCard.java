package io.scaleprotoseg.sdk;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.scaleprotoseg.sdk.internal.Json;
import io.scaleprotoseg.sdk.internal.OnnxModelFile;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;

/**
 * The model card: everything a deployment needs to know about a model besides its weights. It is
 * stored as JSON in the ONNX metadata under {@link #METADATA_KEY} (DESIGN.md, "The model file").
 *
 * <p>Channel order is part of the contract: {@code prototypes.get(j)} is channel {@code j} of the
 * output {@code prototype_activations} and row {@code j} of the initializer {@code prototypes};
 * {@code groups.get(k)} is channel {@code k} of {@code group_activations}, row {@code k} of
 * {@code group_weights} and column {@code k} of {@code last_layer}.
 *
 * <p>Immutable and thread-safe; serializable (with its parts), so that a card can travel with an
 * audit between JVMs. Unknown JSON fields are ignored so that a card written by a newer
 * exporter with the same {@link #formatVersion()} still reads.
 *
 * @param formatVersion card format; this SDK reads {@link #FORMAT_VERSION}
 * @param method the model kind
 * @param classes class names and colours, ids 0..C-1 in order
 * @param ignoreLabel the void label of the training data (-1 when none)
 * @param normalization the mean and std the graph applies to its 0..1 RGB input (informational)
 * @param outputStride input pixels per feature cell (8 for DeepLabv2)
 * @param mscScales multi-scale input factors fused inside the graph; empty for a single scale
 * @param scales the ASPP scales prototypes live at (ScaleProtoSeg: 4; ProtoSeg: 1; DeepLabv2: empty)
 * @param prototypes the active prototypes, in channel order
 * @param groups the active groups, in channel order (ScaleProtoSeg only)
 * @param threshold the group-weight threshold applied before export, or null
 * @param provenance where the model came from
 * @param edits the edits made to the deployed model, oldest first (empty for an exported model)
 * @param quantization how the model was quantised to INT8 and what that changed, or null for a
 *     full-precision model
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelCard(
        int formatVersion,
        ModelKind method,
        List<ClassInfo> classes,
        int ignoreLabel,
        Normalization normalization,
        int outputStride,
        List<Double> mscScales,
        List<Scale> scales,
        List<Prototype> prototypes,
        List<Group> groups,
        Double threshold,
        Provenance provenance,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Edit> edits,
        Quantization quantization) implements Serializable {

    /** The ONNX metadata_props key holding the card. */
    public static final String METADATA_KEY = "scaleprotoseg.card";
    /** The card format this SDK writes and reads. */
    public static final int FORMAT_VERSION = 1;

    private static final Pattern COLOR = Pattern.compile("#[0-9a-fA-F]{6}");

    public ModelCard {
        classes = classes == null ? List.of() : List.copyOf(classes);
        mscScales = mscScales == null ? List.of() : List.copyOf(mscScales);
        scales = scales == null ? List.of() : List.copyOf(scales);
        prototypes = prototypes == null ? List.of() : List.copyOf(prototypes);
        groups = groups == null ? List.of() : List.copyOf(groups);
        edits = edits == null ? List.of() : List.copyOf(edits);
    }

    /** A card without quantisation record. */
    public ModelCard(int formatVersion, ModelKind method, List<ClassInfo> classes, int ignoreLabel, Normalization normalization,
            int outputStride, List<Double> mscScales, List<Scale> scales, List<Prototype> prototypes, List<Group> groups,
            Double threshold, Provenance provenance, List<Edit> edits) {
        this(formatVersion, method, classes, ignoreLabel, normalization, outputStride, mscScales, scales, prototypes, groups,
                threshold, provenance, edits, null);
    }

    /** A card without edits (every model the exporter writes). */
    public ModelCard(int formatVersion, ModelKind method, List<ClassInfo> classes, int ignoreLabel, Normalization normalization,
            int outputStride, List<Double> mscScales, List<Scale> scales, List<Prototype> prototypes, List<Group> groups,
            Double threshold, Provenance provenance) {
        this(formatVersion, method, classes, ignoreLabel, normalization, outputStride, mscScales, scales, prototypes, groups,
                threshold, provenance, List.of());
    }

    /**
     * One edit of a deployed model ({@code scaleprotoseg edit}), oldest first in {@link #edits()}:
     * the prototypes and groups it disabled (ids as the edited model named them), why, when, and
     * the SHA-256 of the file it was made from.
     *
     * @param time when, ISO-8601 UTC
     * @param reason the reason given
     * @param prototypes ids of the disabled prototypes
     * @param groups the disabled groups as {@code CLASS:K}
     * @param sourceSha256 SHA-256 of the model file edited
     */
    public record Edit(String time, String reason, List<Integer> prototypes, List<String> groups, String sourceSha256)
            implements Serializable {
        public Edit {
            prototypes = prototypes == null ? List.of() : List.copyOf(prototypes);
            groups = groups == null ? List.of() : List.copyOf(groups);
        }
    }

    /** This card with one more edit and the given groups (their members after the edit). */
    public ModelCard withEdit(Edit edit, List<Group> editedGroups) {
        List<Edit> all = new ArrayList<>(edits);
        all.add(edit);
        return new ModelCard(formatVersion, method, classes, ignoreLabel, normalization, outputStride, mscScales, scales,
                prototypes, editedGroups, threshold, provenance, all, quantization);
    }

    /**
     * How a model was quantised to INT8 ({@code scaleprotoseg quantize}): static quantisation in
     * QDQ form (QuantizeLinear / DequantizeLinear pairs) of the backbone and ASPP convolutions, the
     * prototype head left in FP32, and what the quantiser's own FP32-vs-INT8 check measured on the
     * calibration images.
     *
     * @param time when, ISO-8601 UTC
     * @param method how activation ranges were calibrated: minmax, percentile or entropy
     * @param percentile the percentile of the percentile method, else null
     * @param activations the activation encoding, "uint8 asymmetric" or "int8 symmetric", per tensor
     * @param weights the weight encoding
     * @param quantizedConvolutions how many convolutions run in INT8
     * @param calibrationData the images calibrated on (data set and split, or folder)
     * @param calibrationImages how many images
     * @param sourceSha256 SHA-256 of the FP32 model file quantised
     * @param check the FP32-vs-INT8 comparison on the calibration images
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Quantization(String time, String method, Double percentile, String activations, String weights,
            int quantizedConvolutions, String calibrationData, int calibrationImages, String sourceSha256, Check check)
            implements Serializable {
    }

    /**
     * The quantiser's FP32-vs-INT8 comparison ({@link ModelComparison}) on its calibration images,
     * with the FP32 model as reference. Fields that do not apply (no labels, no evidence) are null.
     *
     * @param images images compared
     * @param pixels pixels compared
     * @param maskAgreement share of pixels where both masks agree
     * @param meanIouFp32 the FP32 model's mIoU on these images (labelled calibration data only)
     * @param meanIouInt8 the INT8 model's mIoU on these images
     * @param contributionMaxDelta max |delta| of a part's contribution to the decided class's logit
     *     (groups for ScaleProtoSeg, prototypes for ProtoSeg), over pixels and parts
     * @param contributionMeanDelta mean of the same
     * @param activationMaxDelta max |delta| of prototype log-activation g at the decided class
     * @param activationMeanDelta mean of the same
     * @param top3Agreement share of pixels whose three strongest parts at the decided class come in
     *     the same order
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Check(int images, long pixels, double maskAgreement, Double meanIouFp32, Double meanIouInt8,
            Double contributionMaxDelta, Double contributionMeanDelta, Double activationMaxDelta, Double activationMeanDelta,
            Double top3Agreement) implements Serializable {
    }

    /** This card with a quantisation record (the model is INT8 from now on). */
    public ModelCard withQuantization(Quantization q) {
        return new ModelCard(formatVersion, method, classes, ignoreLabel, normalization, outputStride, mscScales, scales,
                prototypes, groups, threshold, provenance, edits, q);
    }

    /**
     * One class.
     *
     * @param id the class id, 0..C-1
     * @param name the class name shown in reports and explanations
     * @param color #RRGGBB
     * @param synonyms the other names a data set gives the class (ADE20K's "person, individual,
     *     someone, ..."), the name first; empty when it gives none (then omitted from the JSON)
     */
    public record ClassInfo(int id, String name, String color,
            @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> synonyms) implements Serializable {
        public ClassInfo {
            synonyms = synonyms == null ? List.of() : List.copyOf(synonyms);
        }

        /** A class without synonyms. */
        public ClassInfo(int id, String name, String color) {
            this(id, name, color, List.of());
        }

        /** The colour as 0xRRGGBB. */
        @JsonIgnore
        public int rgb() {
            return Integer.parseInt(color.substring(1), 16);
        }
    }

    /** The normalisation constants baked into the graph. */
    public record Normalization(List<Double> mean, List<Double> std) implements Serializable {
        public Normalization {
            mean = List.copyOf(mean);
            std = List.copyOf(std);
        }

        /** ImageNet statistics, the default of the trainer (METHOD.md 3). */
        public static Normalization imagenet() {
            return new Normalization(List.of(0.485, 0.456, 0.406), List.of(0.229, 0.224, 0.225));
        }
    }

    /**
     * One ASPP scale: its index and the dilation of its branch; dilation 0 marks ProtoSeg's single
     * scale, the sum of all ASPP branches.
     */
    public record Scale(int index, int dilation) implements Serializable { }

    /** Where a prototype was projected from (METHOD.md 4). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Source(String imageId, int row, int col, List<Integer> box) implements Serializable {
        public Source {
            box = box == null ? null : List.copyOf(box);
        }
    }

    /**
     * One active prototype.
     *
     * @param id the stable id from training (index before pruning), not the channel
     * @param classId the class it belongs to
     * @param scale the index of its ASPP scale
     * @param source its projection source, or null when the model was not projected
     * @param patchPng a base64 PNG crop of its source, or null
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Prototype(int id, int classId, int scale, Source source, String patchPng) implements Serializable {
        /** Decodes the patch image; null when the card holds none or it cannot be decoded. */
        public BufferedImage patchImage() {
            byte[] png = patchBytes();
            if (png == null) {
                return null;
            }
            try {
                return ImageIO.read(new ByteArrayInputStream(png));
            } catch (IOException e) {
                return null;
            }
        }

        /** The patch as PNG bytes, or null. */
        public byte[] patchBytes() {
            return patchPng == null ? null : Base64.getDecoder().decode(patchPng);
        }
    }

    /** One group member: a prototype id and its (thresholded, unnormalised) simplex weight. */
    public record Member(int prototypeId, double weight) implements Serializable { }

    /** One active group of a class (METHOD.md 1.5). */
    public record Group(int classId, int index, List<Member> members) implements Serializable {
        public Group {
            members = List.copyOf(members);
        }
    }

    /** Training provenance. Every field may be null for a model not made by the trainer. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Provenance(
            String dataset,
            Map<String, Integer> stepsPerPhase,
            Long seed,
            Double valMiou,
            Map<String, String> software,
            String created,
            Map<String, String> notes) implements Serializable {
        public Provenance {
            stepsPerPhase = stepsPerPhase == null ? null : Map.copyOf(stepsPerPhase);
            software = software == null ? null : Map.copyOf(software);
            notes = notes == null ? null : Map.copyOf(notes);
        }
    }

    /** Provenance note: the side of the square crops the model was trained on. */
    public static final String TRAINING_CROP_NOTE = "trainingCrop";
    /** Provenance note: the size of the validation images, {@code WxH}, when they share one. */
    public static final String VALIDATION_IMAGE_NOTE = "validationImage";
    /** Provenance note: "true" when the model was imported from another implementation's checkpoint. */
    public static final String IMPORTED_NOTE = "imported";
    /** Provenance note: why prototypes have no projection sources or patches (imported models). */
    public static final String PROTOTYPE_SOURCES_NOTE = "prototypeSources";

    /**
     * The resolution the model learned at, from the provenance notes.
     *
     * @param crop side of the square training crops
     * @param imageWidth width of the validation images, or 0 when not recorded
     * @param imageHeight height of the validation images, or 0 when not recorded
     */
    public record TrainingResolution(int crop, int imageWidth, int imageHeight) implements Serializable {
    }

    /** The training resolution recorded by the exporter, or null for a model without it. */
    @JsonIgnore
    public TrainingResolution trainingResolution() {
        Map<String, String> notes = provenance == null ? null : provenance.notes();
        if (notes == null || notes.get(TRAINING_CROP_NOTE) == null) {
            return null;
        }
        try {
            int crop = Integer.parseInt(notes.get(TRAINING_CROP_NOTE).strip());
            String image = notes.get(VALIDATION_IMAGE_NOTE);
            if (image != null && image.matches("\\d+x\\d+")) {
                String[] wh = image.split("x");
                return new TrainingResolution(crop, Integer.parseInt(wh[0]), Integer.parseInt(wh[1]));
            }
            return new TrainingResolution(crop, 0, 0);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * The parity figures the exporter measured and recorded in the provenance notes, or null for a
     * model without them (not exported from a trained run).
     */
    @JsonIgnore
    public Parity parity() {
        return provenance == null ? null : Parity.fromNotes(provenance.notes());
    }

    /**
     * Whether the model was imported from another implementation's checkpoint (the reference
     * PyTorch code): its prototypes then have no projection sources or patch images, and its
     * training history is unknown ({@link #IMPORTED_NOTE}).
     */
    @JsonIgnore
    public boolean imported() {
        return provenance != null && provenance.notes() != null && "true".equals(provenance.notes().get(IMPORTED_NOTE));
    }

    /** Number of classes. */
    @JsonIgnore
    public int numClasses() {
        return classes.size();
    }

    /** The name of class {@code id}. */
    public String className(int id) {
        return classes.get(id).name();
    }

    /** Serialises to the JSON stored in the model file. */
    public String toJson() {
        try {
            return Json.MAPPER.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("model card cannot be serialised: " + e.getMessage(), e);
        }
    }

    /**
     * Reads the card of a model file without opening a backend, checking the file against the
     * whole model contract (the same checks as {@link Segmenter.Builder#build()}).
     *
     * @throws ModelFormatException naming the file and the first violation
     */
    public static ModelCard read(Path model) throws ModelFormatException {
        return OnnxModelFile.read(model).card();
    }

    /**
     * Parses and validates a card.
     *
     * @param json the card text
     * @param source what the card came from, for error messages (usually the model path)
     * @throws ModelFormatException when the JSON is malformed, of an unknown format version, or
     *     inconsistent
     */
    public static ModelCard fromJson(String json, String source) throws ModelFormatException {
        return fromJson(json, source, ModelLimits.DEFAULT);
    }

    /**
     * Reads and validates a card within {@code limits} (its size, JSON nesting and counts).
     *
     * @throws ModelFormatException naming the source and what is wrong
     */
    public static ModelCard fromJson(String json, String source, ModelLimits limits) throws ModelFormatException {
        if (json.length() > limits.maxCardBytes()) {
            throw new ModelFormatException(ErrorCode.INVALID_CARD, source + ": the model card has " + json.length()
                    + " characters, more than the limit of " + limits.maxCardBytes() + " (ModelLimits.maxCardBytes)");
        }
        com.fasterxml.jackson.databind.ObjectMapper mapper = Json.limited(limits.maxCardNesting(), limits.maxCardBytes());
        int version;
        try {
            var tree = mapper.readTree(json);
            if (tree == null || !tree.isObject()) {
                throw new ModelFormatException(ErrorCode.INVALID_CARD,
                        source + ": the model card is not a JSON object; re-export the model");
            }
            if (!tree.path("formatVersion").isInt()) {
                throw new ModelFormatException(ErrorCode.INVALID_CARD,
                        source + ": the model card has no integer 'formatVersion'; re-export the model");
            }
            version = tree.get("formatVersion").asInt();
        } catch (JsonProcessingException e) {
            throw new ModelFormatException(ErrorCode.INVALID_CARD,
                    source + ": the model card is not valid JSON (" + e.getOriginalMessage() + "); re-export the model", e);
        }
        if (version != FORMAT_VERSION) {
            String advice = version > FORMAT_VERSION
                    ? "upgrade scaleprotoseg-sdk to a version that reads it"
                    : "re-export the model with this version of the exporter";
            throw new ModelFormatException(ErrorCode.UNSUPPORTED_CARD_VERSION,
                    source + ": model card format version " + version + " is not supported (this SDK reads version "
                            + FORMAT_VERSION + "); " + advice);
        }
        ModelCard card;
        try {
            card = mapper.readValue(json, ModelCard.class);
        } catch (JsonProcessingException e) {
            throw new ModelFormatException(ErrorCode.INVALID_CARD,
                    source + ": the model card does not match format version " + FORMAT_VERSION + " ("
                            + e.getOriginalMessage() + "); re-export the model", e);
        }
        if ((card.classes() != null && card.classes().size() > limits.maxClasses())
                || (card.prototypes() != null && card.prototypes().size() > limits.maxPrototypes())
                || (card.groups() != null && card.groups().size() > limits.maxGroups())) {
            throw new ModelFormatException(ErrorCode.INVALID_CARD, source + ": the model card lists "
                    + (card.classes() == null ? 0 : card.classes().size()) + " classes, "
                    + (card.prototypes() == null ? 0 : card.prototypes().size()) + " prototypes and "
                    + (card.groups() == null ? 0 : card.groups().size()) + " groups, more than the limits (" + limits + ")");
        }
        card.validate(source);
        return card;
    }

    /**
     * Checks the card's internal consistency.
     *
     * @throws ModelFormatException naming the first inconsistency found
     */
    public void validate(String source) throws ModelFormatException {
        if (method == null) {
            fail(source, "has no 'method' (scaleprotoseg, protoseg or deeplabv2)");
        }
        if (classes.isEmpty()) {
            fail(source, "lists no classes");
        }
        for (int i = 0; i < classes.size(); i++) {
            ClassInfo c = classes.get(i);
            if (c == null || c.id() != i) {
                fail(source, "class " + i + " has id " + (c == null ? "null" : c.id()) + "; ids must be 0..C-1 in order");
            }
            if (c.name() == null || c.name().isBlank()) {
                fail(source, "class " + i + " has no name");
            }
            if (c.color() == null || !COLOR.matcher(c.color()).matches()) {
                fail(source, "class " + i + " (" + c.name() + ") has colour '" + c.color() + "'; expected #RRGGBB");
            }
        }
        if (outputStride < 1) {
            fail(source, "has output stride " + outputStride + "; expected a positive number");
        }
        for (Double s : mscScales) {
            if (s == null || !(s > 0)) {
                fail(source, "has multi-scale input factor " + s + "; factors must be positive");
            }
        }
        switch (method) {
            case DEEPLABV2:
                if (!prototypes.isEmpty() || !groups.isEmpty()) {
                    fail(source, "is a deeplabv2 (black-box) model but lists prototypes or groups");
                }
                return;
            case PROTOSEG:
                if (scales.size() != 1) {
                    fail(source, "is a protoseg model with " + scales.size() + " scales; ProtoSeg has exactly one");
                }
                if (!groups.isEmpty()) {
                    fail(source, "is a protoseg model but lists groups; ProtoSeg has none");
                }
                break;
            default:
                if (scales.isEmpty()) {
                    fail(source, "is a scaleprotoseg model with no scales");
                }
                if (groups.isEmpty()) {
                    fail(source, "is a scaleprotoseg model with no groups");
                }
        }
        for (int i = 0; i < scales.size(); i++) {
            if (scales.get(i).index() != i) {
                fail(source, "scale " + i + " has index " + scales.get(i).index() + "; indices must be 0..S-1 in order");
            }
        }
        if (prototypes.isEmpty()) {
            fail(source, "is a " + method.id() + " model with no prototypes");
        }
        Set<Integer> ids = new HashSet<>();
        int lastScale = 0;
        for (Prototype p : prototypes) {
            if (!ids.add(p.id())) {
                fail(source, "lists prototype id " + p.id() + " twice");
            }
            if (p.classId() < 0 || p.classId() >= classes.size()) {
                fail(source, "prototype " + p.id() + " has class " + p.classId() + ", outside 0.." + (classes.size() - 1));
            }
            if (p.scale() < 0 || p.scale() >= scales.size()) {
                fail(source, "prototype " + p.id() + " has scale " + p.scale() + ", outside 0.." + (scales.size() - 1));
            }
            if (p.scale() < lastScale) {
                fail(source, "prototype " + p.id() + " breaks the ascending scale order of the prototype channels");
            }
            lastScale = p.scale();
            if (p.patchPng() != null) {
                try {
                    Base64.getDecoder().decode(p.patchPng());
                } catch (IllegalArgumentException e) {
                    fail(source, "prototype " + p.id() + " has a patch that is not base64");
                }
            }
        }
        Set<Long> groupKeys = new HashSet<>();
        for (Group g : groups) {
            if (g.classId() < 0 || g.classId() >= classes.size()) {
                fail(source, "a group has class " + g.classId() + ", outside 0.." + (classes.size() - 1));
            }
            if (!groupKeys.add(((long) g.classId() << 32) | (g.index() & 0xffffffffL))) {
                fail(source, "lists group " + g.index() + " of class " + g.classId() + " twice");
            }
            // an exported model lists active groups only; an edit may empty one on purpose (edit --allow-empty: its
            // activation is then exp(0) = 1)
            if (g.members().isEmpty() && edits.isEmpty()) {
                fail(source, "group " + g.index() + " of class " + g.classId() + " has no members; inactive groups must be removed");
            }
            double sum = 0;
            for (Member m : g.members()) {
                if (!ids.contains(m.prototypeId())) {
                    fail(source, "group " + g.index() + " of class " + g.classId() + " names prototype "
                            + m.prototypeId() + ", which the card does not list");
                }
                if (!(m.weight() > 0) || m.weight() > 1 + 1e-6) {
                    fail(source, "group " + g.index() + " of class " + g.classId() + " gives prototype " + m.prototypeId()
                            + " weight " + m.weight() + "; simplex weights lie in (0, 1]");
                }
                sum += m.weight();
            }
            if (sum > 1 + 1e-4) {
                fail(source, "group " + g.index() + " of class " + g.classId() + " has weights summing to " + sum
                        + "; a thresholded simplex row sums to at most 1");
            }
        }
    }

    private static void fail(String source, String what) throws ModelFormatException {
        throw new ModelFormatException(ErrorCode.INVALID_CARD, source + ": the model card " + what + "; re-export the model");
    }
}
