package io.scaleprotoseg.exporter;

import ai.djl.engine.Engine;
import io.scaleprotoseg.graph.Aspp;
import io.scaleprotoseg.graph.DeepLabResNet;
import io.scaleprotoseg.graph.FloatTensor;
import io.scaleprotoseg.graph.InferenceModel;
import io.scaleprotoseg.graph.Layer;
import io.scaleprotoseg.graph.PrototypeHead;
import io.scaleprotoseg.sdk.ModelCard;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.trainer.checkpoint.TrainedModel;
import io.scaleprotoseg.graph.network.NetworkConfig;
import io.scaleprotoseg.trainer.model.PrototypeTable;
import io.scaleprotoseg.trainer.model.SegmentationNetwork;
import io.scaleprotoseg.trainer.phase.GroupLayer;
import io.scaleprotoseg.trainer.phase.ProjectionResult;
import io.scaleprotoseg.trainer.phase.TrainingConfig;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a trained model (a checkpoint) into the exporter's plain-weights {@link InferenceModel}:
 * the backbone from the trainer's own topology description, the ASPP, and the head. For a
 * grouped model the group weights are thresholded (the checkpoint's threshold, or another one
 * applied to the weights kept from before thresholding), prototypes with no weight left in any
 * group are dropped together with their all-zero columns, which does not change any output; the
 * card lists only what remains. Every tensor is checked against the shape the network needs, and
 * a missing or misshapen one is an error that names it.
 */
public final class CheckpointConverter {
    private CheckpointConverter() {
    }

    /**
     * @param threshold a group-weight threshold to apply instead of the checkpoint's, or null
     * @param notes extra provenance notes for the card (e.g. parity figures)
     */
    public static InferenceModel convert(TrainedModel model, Double threshold, Map<String, String> notes)
            throws ExportException {
        return convert(ConversionSource.of(model), threshold, notes);
    }

    /**
     * Converts what {@code model} describes (a checkpoint, or an imported model whose arrays are used
     * in place).
     *
     * @param threshold a group-weight threshold to apply instead of the model's, or null
     * @param notes extra provenance notes for the card
     */
    public static InferenceModel convert(ConversionSource model, Double threshold, Map<String, String> notes)
            throws ExportException {
        TrainingConfig cfg = model.config();
        NetworkConfig net = cfg.network();
        ConversionSource.Weights p = model.weights();
        String src = model.file().toString();
        List<Layer> backbone = DeepLabResNet.layers(net.backbone(), (key, shape) -> tensor(p, src, "backbone." + key, shape));
        List<Layer.Conv> branches = new ArrayList<>();
        int in = net.backboneChannels();
        int out = net.branchChannels();
        for (int s = 0; s < net.dilations().length; s++) {
            int d = net.dilations()[s];
            branches.add(new Layer.Conv(tensor(p, src, "aspp." + s + ".weight", out, in, 3, 3),
                    tensor(p, src, "aspp." + s + ".bias", out), 1, d, d, null, false));
        }
        Aspp aspp = new Aspp(branches, net.method() == ModelKind.SCALEPROTOSEG);
        List<ModelCard.ClassInfo> classes = model.labels().classes();
        if (classes.size() != net.numClasses()) {
            throw new ExportException("checkpoint " + src + " names " + classes.size() + " classes but its network has "
                    + net.numClasses());
        }
        List<ModelCard.Scale> scales = new ArrayList<>();
        if (net.method() == ModelKind.SCALEPROTOSEG) {
            for (int s = 0; s < net.dilations().length; s++) {
                scales.add(new ModelCard.Scale(s, net.dilations()[s]));
            }
        } else if (net.method() == ModelKind.PROTOSEG) {
            scales.add(new ModelCard.Scale(0, 0));
        }
        ModelCard.Provenance provenance = provenance(model, notes);
        if (net.method() == ModelKind.DEEPLABV2) {
            ModelCard card = new ModelCard(ModelCard.FORMAT_VERSION, ModelKind.DEEPLABV2, classes,
                    model.labels().ignoreLabel(), ModelCard.Normalization.imagenet(), net.outputStride(), net.mscScales(), List.of(), List.of(),
                    List.of(), null, provenance);
            return new InferenceModel(card, backbone, aspp, null);
        }
        PrototypeTable table = model.prototypes();
        int pAll = table.size();
        int dim = net.dim();
        float[] protos = tensor(p, src, "prototypes", pAll, dim).data();
        boolean grouped = p.contains(SegmentationNetwork.GROUP_WEIGHTS);
        if (net.method() == ModelKind.SCALEPROTOSEG && !grouped) {
            throw new ExportException("checkpoint " + src + " is a scaleprotoseg model without groups (stage 1 only); "
                    + "finish stage 2 ('scaleprotoseg train --resume') or export checkpoints/stage2.ckpt");
        }
        float[] groupWeights = null;
        int rows = 0;
        Double usedThreshold = null;
        boolean[] keep = new boolean[pAll];
        if (grouped) {
            rows = (int) p.shape(SegmentationNetwork.GROUP_WEIGHTS)[0];
            if (threshold != null) {
                if (!p.contains(GroupLayer.DENSE_GROUP_WEIGHTS)) {
                    throw new ExportException("checkpoint " + src + " keeps no group weights from before thresholding, so "
                            + "--threshold cannot be applied; export without it");
                }
                groupWeights = tensor(p, src, GroupLayer.DENSE_GROUP_WEIGHTS, rows, pAll).data().clone();
                for (int i = 0; i < groupWeights.length; i++) {
                    if (groupWeights[i] < threshold) {
                        groupWeights[i] = 0f;
                    }
                }
                usedThreshold = threshold;
            } else {
                groupWeights = tensor(p, src, SegmentationNetwork.GROUP_WEIGHTS, rows, pAll).data();
                // an imported model's weights are used as found: no threshold of ours was applied
                usedThreshold = model.isImported() ? null : cfg.threshold();
            }
            for (int i = 0; i < groupWeights.length; i++) {
                if (groupWeights[i] != 0f) {
                    keep[i % pAll] = true;
                }
            }
            for (int k = 0; k < rows; k++) {
                boolean any = false;
                for (int j = 0; j < pAll; j++) {
                    any |= groupWeights[k * pAll + j] != 0f;
                }
                if (!any) {
                    throw new ExportException("group " + k % net.groupsPerClass() + " of class " + k / net.groupsPerClass()
                            + " has no weight left after thresholding at " + usedThreshold
                            + "; export with a lower --threshold");
                }
            }
        } else {
            Arrays.fill(keep, true);
        }
        int pa = 0;
        for (boolean b : keep) {
            pa += b ? 1 : 0;
        }
        int[] rowOf = new int[pa];
        for (int j = 0, r = 0; j < pAll; j++) {
            if (keep[j]) {
                rowOf[r++] = j;
            }
        }
        float[] activeProtos = new float[pa * dim];
        int[] activeScales = new int[pa];
        Map<Integer, ProjectionResult.PrototypeSource> sources = new HashMap<>();
        if (model.projection() != null) {
            for (ProjectionResult.PrototypeSource s : model.projection().sources()) {
                sources.put(s.prototypeId(), s);
            }
        }
        List<ModelCard.Prototype> cardProtos = new ArrayList<>();
        for (int r = 0; r < pa; r++) {
            int j = rowOf[r];
            System.arraycopy(protos, j * dim, activeProtos, r * dim, dim);
            activeScales[r] = net.method() == ModelKind.SCALEPROTOSEG ? table.scales()[j] : 0;
            int id = table.ids()[j];
            ProjectionResult.PrototypeSource s = sources.get(id);
            ModelCard.Source source = s == null ? null : new ModelCard.Source(s.imageId(), s.row(), s.col(), s.box());
            byte[] patch = model.patches().get(id);
            cardProtos.add(new ModelCard.Prototype(id, table.classes()[j], activeScales[r], source,
                    patch == null ? null : Base64.getEncoder().encodeToString(patch)));
        }
        FloatTensor groupTensor = null;
        FloatTensor last;
        List<ModelCard.Group> groups = new ArrayList<>();
        if (grouped) {
            float[] g = new float[rows * pa];
            for (int k = 0; k < rows; k++) {
                List<ModelCard.Member> members = new ArrayList<>();
                for (int r = 0; r < pa; r++) {
                    float w = groupWeights[k * pAll + rowOf[r]];
                    g[k * pa + r] = w;
                    if (w != 0f) {
                        members.add(new ModelCard.Member(table.ids()[rowOf[r]], w));
                    }
                }
                groups.add(new ModelCard.Group(k / net.groupsPerClass(), k % net.groupsPerClass(), members));
            }
            groupTensor = new FloatTensor(g, rows, pa);
            last = tensor(p, src, SegmentationNetwork.GROUP_LAST_LAYER, net.numClasses(), rows);
        } else {
            last = tensor(p, src, "last_layer", net.numClasses(), pa);
        }
        ModelCard card = new ModelCard(ModelCard.FORMAT_VERSION, net.method(), classes, model.labels().ignoreLabel(),
                ModelCard.Normalization.imagenet(), net.outputStride(), net.mscScales(), scales, cardProtos, groups, grouped ? usedThreshold : null,
                provenance);
        return new InferenceModel(card, backbone, aspp,
                new PrototypeHead(new FloatTensor(activeProtos, pa, dim), activeScales, groupTensor, last));
    }

    /** A parameter as a tensor of exactly {@code shape}; a missing or misshapen one is named. */
    static FloatTensor tensor(ConversionSource.Weights p, String src, String name, int... shape) {
        if (!p.contains(name)) {
            throw new IllegalStateException("checkpoint " + src + " lacks tensor '" + name + "'");
        }
        long[] have = p.shape(name);
        long[] want = Arrays.stream(shape).asLongStream().toArray();
        if (!Arrays.equals(have, want)) {
            throw new IllegalStateException("checkpoint " + src + ": tensor '" + name + "' has shape " + Arrays.toString(have)
                    + ", the network needs " + Arrays.toString(want));
        }
        return new FloatTensor(p.floats(name), shape);
    }

    @SuppressWarnings("unchecked")
    private static ModelCard.Provenance provenance(ConversionSource model, Map<String, String> notes) {
        TrainingConfig cfg = model.config();
        if (model.isImported()) {
            return importedProvenance(model, notes);
        }
        Map<String, Integer> steps = new LinkedHashMap<>();
        steps.put("warmup", cfg.warmupSteps());
        steps.put("joint", cfg.jointSteps());
        if (cfg.network().method().hasPrototypes()) {
            steps.put("finetune", cfg.finetuneSteps());
        }
        if (model.weights().contains(SegmentationNetwork.GROUP_WEIGHTS)) {
            steps.put("groupWarmup", cfg.groupWarmupSteps());
            steps.put("groupJoint", cfg.groupJointSteps());
        }
        Double miou = model.state().lastValidation() == null ? null : model.state().lastValidation().valMiou();
        Map<String, String> software = software();
        Map<String, String> allNotes = new LinkedHashMap<>();
        allNotes.put("method", cfg.network().method().id());
        allNotes.put("preset", cfg.preset());
        allNotes.put("backbone", backbone(cfg.network()));
        allNotes.put("checkpoint", model.file().getFileName().toString());
        allNotes.putAll(notes);
        return new ModelCard.Provenance(String.valueOf(model.state().dataset()), steps, cfg.seed(), miou, software,
                Instant.now().toString(), allNotes);
    }

    /**
     * An imported model: its source file, SHA-256 and reference class, and no training history of
     * ours (steps, seed, validation score are unknown and left out rather than guessed).
     */
    private static ModelCard.Provenance importedProvenance(ConversionSource model, Map<String, String> notes) {
        Map<String, String> allNotes = new LinkedHashMap<>();
        allNotes.put("method", model.config().network().method().id());
        allNotes.put("backbone", backbone(model.config().network()));
        allNotes.putAll(model.importNotes());
        allNotes.put(ModelCard.PROTOTYPE_SOURCES_NOTE, "none: imported prototypes carry no record of the training "
                + "patches they were projected onto");
        allNotes.putAll(notes);
        return new ModelCard.Provenance(model.state().dataset(), Map.of(), null, null, software(), Instant.now().toString(),
                allNotes);
    }

    /** "resnet101/1", or with the blocks per stage of a shortened network: "resnet101[1,1,2,1]/8". */
    private static String backbone(NetworkConfig n) {
        if (n.architecture().equals(NetworkConfig.UNET)) {
            return "unet/" + n.widthDivisor();
        }
        String blocks = n.stageBlocks() == null ? "" : Arrays.toString(n.stageBlocks()).replace(" ", "");
        return "resnet" + n.depth().name().substring(1) + blocks + "/" + n.widthDivisor();
    }

    private static Map<String, String> software() {
        Map<String, String> software = new LinkedHashMap<>();
        software.put("java", System.getProperty("java.version"));
        software.put("scaleprotoseg", version());
        software.put("djl", Engine.class.getPackage().getImplementationVersion() == null ? "0.35.1"
                : Engine.class.getPackage().getImplementationVersion());
        return software;
    }

    private static String version() {
        String v = CheckpointConverter.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
