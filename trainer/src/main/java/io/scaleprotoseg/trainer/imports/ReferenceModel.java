package io.scaleprotoseg.trainer.imports;

import ai.djl.ndarray.NDManager;
import io.scaleprotoseg.graph.network.NetworkConfig;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.sdk.spi.FileDigest;
import io.scaleprotoseg.torchfile.ModuleTree;
import io.scaleprotoseg.torchfile.PyDict;
import io.scaleprotoseg.torchfile.TorchFile;
import io.scaleprotoseg.torchfile.TorchFileException;
import io.scaleprotoseg.torchfile.TorchTensor;
import io.scaleprotoseg.trainer.checkpoint.TrainedModel;
import io.scaleprotoseg.trainer.data.LabelSpace;
import io.scaleprotoseg.trainer.model.ParamGroup;
import io.scaleprotoseg.trainer.model.ParameterSet;
import io.scaleprotoseg.trainer.model.PrototypeTable;
import io.scaleprotoseg.trainer.model.SegmentationNetwork;
import io.scaleprotoseg.trainer.phase.GroupLayer;
import io.scaleprotoseg.trainer.phase.TrainingConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A model written by the reference PyTorch implementation, read into this project's network
 * description and parameter names. Recognised, by class path and structure:
 * <ul>
 *   <li>the ScaleProtoSeg group model ({@code segmentation.model.model_multiscale_group.PPNetMultiScale},
 *       stage 2, thresholded or not), a whole-module pickle;</li>
 *   <li>the ScaleProtoSeg stage-1 model ({@code segmentation.model.model_multiscale.PPNetMultiScale});</li>
 *   <li>ProtoSeg ({@code segmentation.model.model.PPNet}, summed ASPP);</li>
 *   <li>the DeepLabv2 baseline: deeplab_pytorch's {@code DeepLabV2} or its multi-scale-input wrapper
 *       {@code MSC}, as a whole module or as a state dict ({@code base.} keys for MSC).</li>
 * </ul>
 * The configuration (classes, scales and ASPP dilations, prototypes per class and scale, groups,
 * prototype dimension, blocks per stage, width) is inferred from tensors and module attributes;
 * what cannot be is an {@link ImportException} saying what was found. Immutable.
 */
public final class ReferenceModel {
    /** deeplab_pytorch's MSC pyramid for DeepLabV2_ResNet101_MSC, used when a state dict does not say. */
    public static final List<Double> DEEPLAB_MSC_SCALES = List.of(0.5, 0.75);
    private static final String GROUP_CLASS = "segmentation.model.model_multiscale_group.PPNetMultiScale";
    private static final String STAGE1_CLASS = "segmentation.model.model_multiscale.PPNetMultiScale";
    private static final String PROTOSEG_CLASS = "segmentation.model.model.PPNet";
    private static final double ACTIVATION_EPS = 1e-4;

    private final Path file;
    private final String sha256;
    private final String classPath;
    private final String description;
    private final NetworkConfig network;
    private final PrototypeTable prototypes;
    private final Map<String, Param> params;
    private final boolean grouped;

    private ReferenceModel(Path file, String sha256, String classPath, String description, NetworkConfig network,
            PrototypeTable prototypes, Map<String, Param> params, boolean grouped) {
        this.file = file;
        this.sha256 = sha256;
        this.classPath = classPath;
        this.description = description;
        this.network = network;
        this.prototypes = prototypes;
        this.params = params;
        this.grouped = grouped;
    }

    /**
     * Reads a reference checkpoint.
     *
     * @throws ImportException naming the file: unreadable, unsafe, a backbone state dict (pointing to
     *     {@code train --weights}), an unknown model (listing what it holds), or inconsistent
     */
    public static ReferenceModel read(Path file) throws ImportException {
        String sha = sha256(file);
        String source = "checkpoint " + file;
        try (TorchFile tf = TorchFile.open(file)) {
            Object root = tf.root();
            if (ModuleTree.isModule(root)) {
                return fromModule(file, sha, ModuleTree.of(root, source), source);
            }
            if (root instanceof PyDict d && d.get("state_dict") instanceof PyDict inner) {
                root = inner;
            }
            if (root instanceof Map<?, ?> m) {
                return fromStateDict(file, sha, m, source);
            }
            throw new ImportException(source + " holds " + ModuleTree.describe(root) + "; " + ACCEPTED);
        } catch (TorchFileException e) {
            throw new ImportException(e.getMessage(), e);
        }
    }

    private static final String ACCEPTED = "import reads the reference's whole-module checkpoints (torch.save(model)) "
            + "of ScaleProtoSeg (" + GROUP_CLASS + ", " + STAGE1_CLASS + ") and ProtoSeg (" + PROTOSEG_CLASS
            + "), and DeepLabv2 models (deeplab_pytorch DeepLabV2 or MSC, whole or as a state dict with the ASPP)";

    private static ReferenceModel fromModule(Path file, String sha, ModuleTree tree, String source) throws ImportException {
        String cls = tree.classes().get("");
        boolean deeplab = cls.endsWith(".DeepLabV2") || (cls.endsWith(".MSC")
                && tree.classes().getOrDefault("base", "").endsWith(".DeepLabV2"));
        if (!cls.equals(GROUP_CLASS) && !cls.equals(STAGE1_CLASS) && !cls.equals(PROTOSEG_CLASS) && !deeplab) {
            StringBuilder found = new StringBuilder();
            tree.classes().forEach((path, c) -> {
                if (!path.isEmpty() && !path.contains(".")) {
                    found.append(found.length() == 0 ? "" : ", ").append(path).append(": ").append(c);
                }
            });
            throw new ImportException(source + " holds a model of class " + cls + " (modules " + found + "); " + ACCEPTED);
        }
        Set<String> names = new TreeSet<>();
        names.addAll(tree.parameters().keySet());
        names.addAll(tree.buffers().keySet());
        if (deeplab) {
            String prefix = cls.endsWith(".MSC") ? "base." : "";
            List<Double> scales = cls.endsWith(".MSC") ? doubles(tree.attributes("").get("scales")) : List.of();
            return deeplab(file, sha, cls, names, tree::tensor, tree::attributes, prefix, scales, source);
        }
        String base = "features.base.";
        if (!DeepLabBackbone.present(names, base)) {
            throw new ImportException(source + " is a " + cls + " without a deeplab_pytorch ResNet under features.base "
                    + "(it holds " + some(names) + "); only the DeepLabv2 backbone is supported");
        }
        Map<String, Object> top = tree.attributes("");
        Object act = top.get("prototype_activation_function");
        if (act != null && !"log".equals(act)) {
            throw new ImportException(source + " uses prototype activation '" + act + "'; the exported graph computes the "
                    + "reference's 'log' activation log((d + 1) / (d + eps))");
        }
        if (top.get("epsilon") instanceof Number eps && Math.abs(eps.doubleValue() - ACTIVATION_EPS) > 1e-12) {
            throw new ImportException(source + " has epsilon " + eps + " in its activation; the exported graph uses 1e-4");
        }
        checkAddOn(tree, source);
        DeepLabBackbone.Shape shape = DeepLabBackbone.shape(names, tree::tensor, base, source);
        Map<String, Param> params = new LinkedHashMap<>(
                DeepLabBackbone.tensors(shape, tree::tensor, tree::attributes, base, source));
        boolean concatenated = tree.classes().getOrDefault("features.base.aspp", "").contains("multiscale");
        boolean scaleProtoSeg = !cls.equals(PROTOSEG_CLASS);
        if (concatenated != scaleProtoSeg) {
            throw new ImportException(source + " is a " + cls + " whose ASPP (" + tree.classes().get("features.base.aspp")
                    + ") " + (concatenated ? "concatenates" : "sums") + " its branches; the reference's "
                    + (scaleProtoSeg ? "ScaleProtoSeg concatenates" : "ProtoSeg sums") + " them");
        }
        int[] dilations = asppDilations(tree, names, base, source);
        TorchTensor protoT = tensor(tree.tensor("prototype_vectors"), "prototype_vectors", source);
        long[] ps = protoT.shape();
        if (ps.length != 4 || ps[2] != 1 || ps[3] != 1) {
            throw new ImportException(source + ": prototype_vectors has shape " + Arrays.toString(ps) + "; expected [P, D, 1, 1]");
        }
        int p = (int) ps[0];
        int dim = (int) ps[1];
        int backboneOut = (int) (2048 / shape.widthDivisor());
        int branch = (int) tensor(tree.tensor(base + "aspp.c0.weight"), base + "aspp.c0.weight", source).shape()[0];
        if (branch != dim) {
            throw new ImportException(source + ": ASPP branches give " + branch + " channels but prototypes have " + dim);
        }
        for (int s = 0; s < dilations.length; s++) {
            String c = base + "aspp.c" + s;
            params.put("aspp." + s + ".weight", Param.read(tree.tensor(c + ".weight"), c + ".weight", source, dim, backboneOut, 3, 3));
            params.put("aspp." + s + ".bias", Param.read(tree.tensor(c + ".bias"), c + ".bias", source, dim));
        }
        TorchTensor identityT = tensor(tree.tensor("prototype_class_identity"), "prototype_class_identity", source);
        if (identityT.rank() != 2 || identityT.shape()[0] != p) {
            throw new ImportException(source + ": prototype_class_identity has shape " + Arrays.toString(identityT.shape())
                    + " for " + p + " prototypes");
        }
        int c = (int) identityT.shape()[1];
        int numScales = scaleProtoSeg ? dilations.length : 1;
        if (scaleProtoSeg && top.get("num_scales") instanceof Number n && n.intValue() != numScales) {
            throw new ImportException(source + " has num_scales " + n + " but " + numScales + " ASPP branches");
        }
        if (p % (c * numScales) != 0) {
            throw new ImportException(source + " has " + p + " prototypes, not a multiple of " + c + " classes x "
                    + numScales + " scales");
        }
        int k = p / (c * numScales);
        int[] protoClass = oneHotRows(floats(identityT, source), p, c, "prototype_class_identity", source);
        int[] protoScale = prototypeScales(top.get("scale_num_prototypes"), p, numScales, source);
        int[] ids = new int[p];
        Arrays.setAll(ids, j -> j);
        PrototypeTable table;
        try {
            table = new PrototypeTable(ids, protoClass, protoScale);
        } catch (IllegalArgumentException e) {
            throw new ImportException(source + ": " + e.getMessage(), e);
        }
        float[] pv = Param.read(protoT, "prototype_vectors", source, p, dim, 1, 1).data();
        params.put("prototypes", new Param(pv, new long[] {p, dim}));
        boolean grouped = cls.equals(GROUP_CLASS);
        int g = 1;
        if (grouped) {
            if (!(top.get("num_groups") instanceof Number ng)) {
                throw new ImportException(source + " is a group model without num_groups");
            }
            g = ng.intValue();
            float[] dense = new float[c * g * p];
            for (int cl = 0; cl < c; cl++) {
                List<Integer> members = new ArrayList<>();
                for (int j = 0; j < p; j++) {
                    if (protoClass[j] == cl) {
                        members.add(j);
                    }
                }
                String name = "group_projection." + cl + ".weight";
                float[] w = Param.read(tree.tensor(name), name, source, g, members.size()).data();
                for (int row = 0; row < g; row++) {
                    for (int i = 0; i < members.size(); i++) {
                        dense[(cl * g + row) * p + members.get(i)] = w[row * members.size() + i];
                    }
                }
            }
            if (tree.tensor("group_projection." + c + ".weight") != null) {
                throw new ImportException(source + " has more group projections than its " + c + " classes");
            }
            params.put(SegmentationNetwork.GROUP_WEIGHTS, new Param(dense, new long[] {(long) c * g, p}));
            params.put(GroupLayer.DENSE_GROUP_WEIGHTS, new Param(dense.clone(), new long[] {(long) c * g, p}));
            params.put(SegmentationNetwork.GROUP_LAST_LAYER,
                    Param.read(tree.tensor("last_layer_group.weight"), "last_layer_group.weight", source, c, c * g));
            if (tree.tensor("last_layer_group.bias") != null) {
                throw new ImportException(source + " has a bias on last_layer_group; the reference's has none");
            }
        } else {
            params.put("last_layer", Param.read(tree.tensor("last_layer.weight"), "last_layer.weight", source, c, p));
            if (tree.tensor("last_layer.bias") != null) {
                throw new ImportException(source + " has a bias on last_layer; the reference's has none");
            }
        }
        List<Double> msc = doubles(tree.attributes("features").get("scales"));
        NetworkConfig net = NetworkConfig.builder(scaleProtoSeg ? ModelKind.SCALEPROTOSEG : ModelKind.PROTOSEG, c)
                .depth(shape.depth()).stageBlocks(shape.blocks()).widthDivisor(shape.widthDivisor()).dilations(dilations)
                .prototypesPerClass(k).dim(dim).groupsPerClass(g).mscScales(msc).build();
        String what = grouped ? "ScaleProtoSeg group model (stage 2)" : scaleProtoSeg ? "ScaleProtoSeg stage-1 model"
                : "ProtoSeg model";
        return new ReferenceModel(file, sha, cls, what, net, table, params, grouped);
    }

    private static ReferenceModel fromStateDict(Path file, String sha, Map<?, ?> sd, String source) throws ImportException {
        Map<String, TorchTensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : sd.entrySet()) {
            if (e.getValue() instanceof TorchTensor t) {
                tensors.put(String.valueOf(e.getKey()), t);
            }
        }
        Set<String> names = tensors.keySet();
        for (String prefix : List.of("base.", "", "module.base.", "module.")) {
            if (names.contains(prefix + "aspp.c0.weight") && DeepLabBackbone.present(names, prefix)) {
                List<Double> scales = prefix.endsWith("base.") ? DEEPLAB_MSC_SCALES : List.of();
                return deeplab(file, sha, "state dict", names, tensors::get, null, prefix, scales, source);
            }
        }
        if (names.contains("prototype_vectors") || names.stream().anyMatch(n -> n.endsWith(".prototype_vectors"))) {
            throw new ImportException(source + " is a state dict of a prototype model; import needs the whole module "
                    + "(torch.save(model), as the reference saves it), because a state dict lacks the prototypes' classes "
                    + "and scales");
        }
        boolean backbone = names.contains("conv1.weight") || DeepLabBackbone.present(names, "");
        throw new ImportException(source + " is a state dict of " + names.size() + " tensors (" + some(names) + ")"
                + (backbone ? ", a backbone without a segmentation head" : "") + "; " + ACCEPTED
                + ". To train from backbone weights (torchvision ResNet or deeplab_pytorch's COCO initialisation) use "
                + "'scaleprotoseg train --weights " + file.getFileName() + "'");
    }

    private static ReferenceModel deeplab(Path file, String sha, String cls, Set<String> names,
            java.util.function.Function<String, TorchTensor> tensors,
            java.util.function.Function<String, Map<String, Object>> attributes, String prefix, List<Double> scales,
            String source) throws ImportException {
        DeepLabBackbone.Shape shape = DeepLabBackbone.shape(names, tensors, prefix, source);
        Map<String, Param> params = new LinkedHashMap<>(DeepLabBackbone.tensors(shape, tensors, attributes, prefix, source));
        int branches = 0;
        while (names.contains(prefix + "aspp.c" + branches + ".weight")) {
            branches++;
        }
        int[] dilations = new int[branches];
        int classes = (int) tensors.apply(prefix + "aspp.c0.weight").shape()[0];
        int in = 2048 / shape.widthDivisor();
        for (int s = 0; s < branches; s++) {
            String c = prefix + "aspp.c" + s;
            dilations[s] = attributes == null ? 6 * (s + 1) : dilation(attributes.apply(c), c, source);
            params.put("aspp." + s + ".weight", Param.read(tensors.apply(c + ".weight"), c + ".weight", source, classes, in, 3, 3));
            params.put("aspp." + s + ".bias", Param.read(tensors.apply(c + ".bias"), c + ".bias", source, classes));
        }
        NetworkConfig net = NetworkConfig.builder(ModelKind.DEEPLABV2, classes).depth(shape.depth())
                .stageBlocks(shape.blocks()).widthDivisor(shape.widthDivisor()).dilations(dilations).mscScales(scales).build();
        return new ReferenceModel(file, sha, cls, "DeepLabv2 model" + (scales.isEmpty() ? "" : " with input scales " + scales),
                net, new PrototypeTable(new int[0], new int[0], new int[0]), params, false);
    }

    private static void checkAddOn(ModuleTree tree, String source) throws ImportException {
        List<String> found = new ArrayList<>();
        tree.classes().forEach((path, c) -> {
            if (path.startsWith("add_on_layers.")) {
                found.add(c);
            }
        });
        if (!found.equals(List.of("torch.nn.modules.activation.Sigmoid"))) {
            throw new ImportException(source + ": add_on_layers holds " + (found.isEmpty() ? "nothing" : found)
                    + "; the importer supports the reference's Sequential(Sigmoid)");
        }
    }

    private static int[] asppDilations(ModuleTree tree, Set<String> names, String base, String source) throws ImportException {
        List<Integer> d = new ArrayList<>();
        while (names.contains(base + "aspp.c" + d.size() + ".weight")) {
            String c = base + "aspp.c" + d.size();
            d.add(dilation(tree.attributes(c), c, source));
        }
        if (d.isEmpty()) {
            throw new ImportException(source + " has no ASPP branch " + base + "aspp.c0");
        }
        return d.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int dilation(Map<String, Object> attrs, String module, String source) throws ImportException {
        Object dil = attrs.get("dilation");
        Object pad = attrs.get("padding");
        if (!(dil instanceof List<?> dl) || dl.isEmpty() || !(dl.get(0) instanceof Number n)) {
            throw new ImportException(source + ": ASPP branch " + module + " does not record its dilation");
        }
        int value = n.intValue();
        if (!(pad instanceof List<?> pl) || pl.stream().anyMatch(x -> !(x instanceof Number q) || q.intValue() != value)
                || dl.stream().anyMatch(x -> !(x instanceof Number q) || q.intValue() != value)) {
            throw new ImportException(source + ": ASPP branch " + module + " has dilation " + dil + " and padding " + pad
                    + "; the ASPP pads each branch by its dilation");
        }
        return value;
    }

    private static int[] oneHotRows(float[] m, int rows, int cols, String name, String source) throws ImportException {
        int[] out = new int[rows];
        for (int r = 0; r < rows; r++) {
            int one = -1;
            for (int c = 0; c < cols; c++) {
                float v = m[r * cols + c];
                if (v == 1f && one < 0) {
                    one = c;
                } else if (v != 0f) {
                    one = -2;
                    break;
                }
            }
            if (one < 0) {
                throw new ImportException(source + ": row " + r + " of " + name + " is not one-hot; each prototype belongs "
                        + "to exactly one class");
            }
            out[r] = one;
        }
        return out;
    }

    /** Scale of each prototype: from {@code scale_num_prototypes} ({s: (start, end)}) or P/S contiguous blocks. */
    private static int[] prototypeScales(Object ranges, int p, int numScales, String source) throws ImportException {
        int[] out = new int[p];
        if (numScales == 1) {
            return out;
        }
        if (!(ranges instanceof Map<?, ?> m)) {
            for (int j = 0; j < p; j++) {
                out[j] = j / (p / numScales);
            }
            return out;
        }
        Arrays.fill(out, -1);
        for (Map.Entry<?, ?> e : m.entrySet()) {
            int s = ((Number) e.getKey()).intValue();
            List<?> r = (List<?>) e.getValue();
            int from = ((Number) r.get(0)).intValue();
            int to = ((Number) r.get(1)).intValue();
            if (s < 0 || s >= numScales || from < 0 || to > p || from > to) {
                throw new ImportException(source + ": scale_num_prototypes gives scale " + s + " prototypes " + from + ".." + to
                        + " of " + p);
            }
            for (int j = from; j < to; j++) {
                out[j] = s;
            }
        }
        for (int j = 0; j < p; j++) {
            if (out[j] < 0) {
                throw new ImportException(source + ": scale_num_prototypes gives no scale to prototype " + j);
            }
        }
        return out;
    }

    private static TorchTensor tensor(TorchTensor t, String name, String source) throws ImportException {
        if (t == null) {
            throw new ImportException(source + " lacks tensor '" + name + "'");
        }
        return t;
    }

    private static float[] floats(TorchTensor t, String source) throws ImportException {
        try {
            return t.floats();
        } catch (TorchFileException e) {
            throw new ImportException(source + ": " + e.getMessage(), e);
        }
    }

    private static List<Double> doubles(Object o) {
        List<Double> out = new ArrayList<>();
        if (o instanceof List<?> l) {
            for (Object x : l) {
                if (x instanceof Number n) {
                    out.add(n.doubleValue());
                }
            }
        }
        return out;
    }

    private static String some(java.util.Collection<String> names) {
        List<String> l = names.stream().limit(4).toList();
        return String.join(", ", l) + (names.size() > 4 ? ", ..." : "");
    }

    /** The SHA-256 of a file, hex. */
    public static String sha256(Path file) throws ImportException {
        try {
            return FileDigest.sha256(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ImportException("checkpoint " + file + " does not exist", e);
        } catch (IOException e) {
            throw new ImportException("checkpoint " + file + " cannot be read: " + e.getMessage(), e);
        }
    }

    public Path file() {
        return file;
    }

    public String sha256() {
        return sha256;
    }

    /** The class path of the pickled model ("state dict" for a state dict). */
    public String classPath() {
        return classPath;
    }

    /** What it is, e.g. "ScaleProtoSeg group model (stage 2)". */
    public String description() {
        return description;
    }

    public NetworkConfig network() {
        return network;
    }

    public PrototypeTable prototypes() {
        return prototypes;
    }

    /** Whether it has the stage-2 group layer. */
    public boolean grouped() {
        return grouped;
    }

    /** The names of its tensors in this project's layout. */
    public List<String> tensorNames() {
        return List.copyOf(params.keySet());
    }

    /** A tensor in this project's layout (a copy). */
    public float[] tensor(String name) {
        Param p = params.get(name);
        return p == null ? null : p.data().clone();
    }

    /** The shape of a tensor in this project's layout, or null when it has none of that name. */
    public long[] shape(String name) {
        Param p = params.get(name);
        return p == null ? null : p.shape().clone();
    }

    /**
     * A tensor in this project's layout without a copy (the exporter writes these arrays as they are);
     * callers must not modify it. Null when it has none of that name.
     */
    public float[] tensorView(String name) {
        Param p = params.get(name);
        return p == null ? null : p.data();
    }

    /** What the model card names as its data set: what it is and where it came from. */
    public String datasetName() {
        return description + " imported from " + file.getFileName();
    }

    /** Provenance notes for a model card: source file, its SHA-256, the reference class, imported. */
    public Map<String, String> provenanceNotes() {
        Map<String, String> n = new LinkedHashMap<>();
        n.put("imported", "true");
        n.put("source", file.getFileName().toString());
        n.put("sourceSha256", sha256);
        n.put("referenceClass", classPath);
        return n;
    }

    /**
     * The model as a {@link TrainedModel} (parameters in a sub-manager of {@code parent}) with the
     * given classes, so the exporter and the trainer can use it like one of their own checkpoints.
     *
     * @throws ImportException when {@code labels} has another number of classes than the model
     */
    public TrainedModel toTrainedModel(LabelSpace labels, NDManager parent) throws ImportException {
        if (labels.numClasses() != network.numClasses()) {
            throw new ImportException("checkpoint " + file + " has " + network.numClasses() + " classes but the classes given (--classes) "
                    + "name " + labels.numClasses() + "; pass the classes the model was trained on");
        }
        ParameterSet set = new ParameterSet(parent);
        try {
            addTo(set, true);
            TrainingConfig cfg = TrainingConfig.builder("imported", network).build();
            return TrainedModel.imported(file, cfg, labels, set, prototypes, datasetName(),
                    grouped, provenanceNotes());
        } catch (RuntimeException e) {
            set.close();
            throw e;
        }
    }

    /**
     * Adds its tensors to {@code set} under this project's names, with their parameter groups (the
     * trainer's starting point for {@code train --init-from} and {@code --stage2-from}).
     *
     * @param records whether to add the group weights from before any thresholding (kept for export), which
     *     training makes itself
     */
    public void addTo(ParameterSet set, boolean records) {
        for (Map.Entry<String, Param> e : params.entrySet()) {
            ParamGroup g = group(e.getKey());
            if (records || g != ParamGroup.RECORD) {
                // the parameter set copies the values into its own (native) memory
                set.add(e.getKey(), g, e.getValue().data(), e.getValue().shape());
            }
        }
    }

    private static ParamGroup group(String name) {
        if (name.startsWith("backbone.")) {
            return name.contains(".bn") || name.contains("downsample.1") ? ParamGroup.FROZEN_BN : ParamGroup.BACKBONE;
        }
        if (name.startsWith("aspp.")) {
            return name.endsWith(".bias") ? ParamGroup.ASPP_BIAS : ParamGroup.ASPP_WEIGHT;
        }
        return switch (name) {
            case "prototypes" -> ParamGroup.PROTOTYPES;
            case "last_layer" -> ParamGroup.LAST_LAYER;
            case SegmentationNetwork.GROUP_WEIGHTS -> ParamGroup.GROUP_WEIGHTS;
            case SegmentationNetwork.GROUP_LAST_LAYER -> ParamGroup.GROUP_LAST_LAYER;
            default -> ParamGroup.RECORD;
        };
    }
}
