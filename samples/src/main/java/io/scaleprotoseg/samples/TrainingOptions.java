package io.scaleprotoseg.samples;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scaleprotoseg.graph.network.NetworkConfig;
import io.scaleprotoseg.graph.network.ResNetLayout;
import io.scaleprotoseg.trainer.checkpoint.Checkpoint;
import io.scaleprotoseg.trainer.phase.TrainingConfig;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import picocli.CommandLine.Option;

/**
 * Every training and network setting of {@code train} as a command-line option, each declared once:
 * an annotated setter that checks its value (naming the option) and records the change it makes to
 * the configuration's builder ({@link TrainingConfig.Builder}, {@link NetworkConfig.Builder}), so a
 * renamed setting fails to compile here. {@code --set NAME=VALUE} reaches any setting by its name
 * in {@code config.json}. Applied in this order: the options (the last occurrence of each wins),
 * {@code --stage1-only}, then {@code --set}. Not thread-safe (one per command line).
 */
final class TrainingOptions {
    private final Map<String, Consumer<TrainingConfig.Builder>> training = new LinkedHashMap<>();
    private final Map<String, Consumer<NetworkConfig.Builder>> network = new LinkedHashMap<>();
    private final List<String> settings = new ArrayList<>();
    private boolean stageOneOnly;

    // ---- schedule ---------------------------------------------------------------------------
    @Option(names = "--warmup-steps", paramLabel = "N", description = "phase 1a updates (ASPP and prototypes)")
    void warmupSteps(int n) {
        training.put("--warmup-steps", b -> b.warmupSteps(atLeast("--warmup-steps", n, 0)));
    }

    @Option(names = "--joint-steps", paramLabel = "N", description = "phase 1b updates (backbone too, poly rate)")
    void jointSteps(int n) {
        training.put("--joint-steps", b -> b.jointSteps(atLeast("--joint-steps", n, 0)));
    }

    @Option(names = "--finetune-steps", paramLabel = "N", description = "phase 1d updates (last layer)")
    void finetuneSteps(int n) {
        training.put("--finetune-steps", b -> b.finetuneSteps(atLeast("--finetune-steps", n, 0)));
    }

    @Option(names = "--batch-size", paramLabel = "N", description = "images per forward pass")
    void batchSize(int n) {
        training.put("--batch-size", b -> b.batchSize(atLeast("--batch-size", n, 1)));
    }

    @Option(names = "--iteration-size", paramLabel = "N", description = "forward passes accumulated per update")
    void iterationSize(int n) {
        training.put("--iteration-size", b -> b.iterationSize(atLeast("--iteration-size", n, 1)));
    }

    @Option(names = "--crop", paramLabel = "PX", description = "square training crop side")
    void crop(int px) {
        training.put("--crop", b -> b.crop(atLeast("--crop", px, 8)));
    }

    @Option(names = "--min-scale", paramLabel = "S", description = "random scale range, low end")
    void minScale(double s) {
        training.put("--min-scale", b -> b.minScale(positive("--min-scale", s)));
    }

    @Option(names = "--max-scale", paramLabel = "S", description = "random scale range, high end")
    void maxScale(double s) {
        training.put("--max-scale", b -> b.maxScale(positive("--max-scale", s)));
    }

    @Option(names = "--lr-warmup", paramLabel = "LR", description = "phase 1a rate (ASPP, prototypes)")
    void lrWarmup(double lr) {
        training.put("--lr-warmup", b -> b.lrWarmup(nonNegative("--lr-warmup", lr)));
    }

    @Option(names = "--lr-backbone", paramLabel = "LR", description = "phase 1b rate of the backbone convolutions")
    void lrBackbone(double lr) {
        training.put("--lr-backbone", b -> b.lrBackbone(nonNegative("--lr-backbone", lr)));
    }

    @Option(names = "--lr-head", paramLabel = "LR", description = "phase 1b rate of ASPP and prototypes")
    void lrHead(double lr) {
        training.put("--lr-head", b -> b.lrHead(nonNegative("--lr-head", lr)));
    }

    @Option(names = "--lr-finetune", paramLabel = "LR", description = "phase 1d rate (last layer)")
    void lrFinetune(double lr) {
        training.put("--lr-finetune", b -> b.lrFinetune(nonNegative("--lr-finetune", lr)));
    }

    @Option(names = "--lambda-div", paramLabel = "W", description = "weight of Jeffrey's diversity loss")
    void lambdaDiversity(double w) {
        training.put("--lambda-div", b -> b.lambdaDiversity(nonNegative("--lambda-div", w)));
    }

    @Option(names = "--lambda-l1", paramLabel = "W", description = "weight of the off-class L1 in the fine-tune")
    void lambdaL1(double w) {
        training.put("--lambda-l1", b -> b.lambdaL1(nonNegative("--lambda-l1", w)));
    }

    @Option(names = "--weight-decay", paramLabel = "W", description = "L2 on backbone and ASPP weights")
    void weightDecay(double w) {
        training.put("--weight-decay", b -> b.weightDecay(nonNegative("--weight-decay", w)));
    }

    @Option(names = "--prune-k", paramLabel = "K", description = "ProtoSeg pruning: nearest patches considered")
    void pruneK(int k) {
        training.put("--prune-k", b -> b.pruneK(atLeast("--prune-k", k, 1)));
    }

    @Option(names = "--prune-threshold", paramLabel = "N",
            description = "ProtoSeg pruning: prune a prototype with fewer than N of its K patches of its class")
    void pruneThreshold(int n) {
        training.put("--prune-threshold", b -> b.pruneThreshold(atLeast("--prune-threshold", n, 0)));
    }

    @Option(names = "--eval-every", paramLabel = "N", description = "validate every N updates (0: at phase ends only)")
    void evalEvery(int n) {
        training.put("--eval-every", b -> b.evalEvery(atLeast("--eval-every", n, 0)));
    }

    @Option(names = "--checkpoint-every", paramLabel = "N", description = "write checkpoints/last.ckpt every N updates")
    void checkpointEvery(int n) {
        training.put("--checkpoint-every", b -> b.checkpointEvery(atLeast("--checkpoint-every", n, 1)));
    }

    @Option(names = "--val-limit", paramLabel = "N", description = "validation images used (0: all)")
    void valLimit(int n) {
        training.put("--val-limit", b -> b.valLimit(atLeast("--val-limit", n, 0)));
    }

    @Option(names = "--seed", paramLabel = "SEED", description = "run seed (initial weights, batches, augmentation)")
    void seed(long seed) {
        training.put("--seed", b -> b.seed(seed));
    }

    // ---- stage 2 (scaleprotoseg) -----------------------------------------------------------
    @Option(names = "--group-warmup-steps", paramLabel = "N", description = "phase 2a updates (group weights only)")
    void groupWarmupSteps(int n) {
        training.put("--group-warmup-steps", b -> b.groupWarmupSteps(atLeast("--group-warmup-steps", n, 0)));
    }

    @Option(names = "--group-joint-steps", paramLabel = "N",
            description = "phase 2b updates (group weights and group last layer, poly rate)")
    void groupJointSteps(int n) {
        training.put("--group-joint-steps", b -> b.groupJointSteps(atLeast("--group-joint-steps", n, 0)));
    }

    @Option(names = "--lr-groups", paramLabel = "LR", description = "stage-2 rate")
    void lrGroups(double lr) {
        training.put("--lr-groups", b -> b.lrGroups(nonNegative("--lr-groups", lr)));
    }

    @Option(names = "--lambda-entropy", paramLabel = "W", description = "weight of the group-weight entropy loss")
    void lambdaEntropy(double w) {
        training.put("--lambda-entropy", b -> b.lambdaEntropy(nonNegative("--lambda-entropy", w)));
    }

    @Option(names = "--lambda-l1-groups", paramLabel = "W", description = "weight of the off-class L1 on the group last layer")
    void lambdaL1Groups(double w) {
        training.put("--lambda-l1-groups", b -> b.lambdaL1Groups(nonNegative("--lambda-l1-groups", w)));
    }

    @Option(names = "--threshold", paramLabel = "T", description = "group weights below T are set to 0 after stage 2")
    void threshold(double t) {
        training.put("--threshold", b -> {
            if (!(t >= 0 && t < 1)) {
                throw new UserError("--threshold must lie in [0, 1), got " + t);
            }
            b.threshold(t);
        });
    }

    @Option(names = "--stage1-only", description = "stop after stage 1 (the same as --group-warmup-steps 0 "
            + "--group-joint-steps 0); protoseg and deeplabv2 have no stage 2")
    void stageOneOnly(boolean only) {
        stageOneOnly = only;
    }

    // ---- network ----------------------------------------------------------------------------
    @Option(names = "--backbone", paramLabel = "ARCH", description = "backbone architecture: resnet or unet (the em preset's)")
    void architecture(String arch) {
        network.put("--backbone", b -> b.architecture(arch.strip().toLowerCase(Locale.ROOT)));
    }

    @Option(names = "--depth", converter = TrainCommand.DepthConverter.class, paramLabel = "DEPTH",
            description = "backbone ResNet depth: 18, 34, 50 or 101")
    void depth(ResNetLayout.Depth depth) {
        network.put("--depth", b -> b.depth(depth));
    }

    @Option(names = "--width-divisor", paramLabel = "N",
            description = "backbone channels divided by N (1: the real ResNet; must divide 64)")
    void widthDivisor(int n) {
        network.put("--width-divisor", b -> {
            if (n < 1 || 64 % n != 0) {
                throw new UserError("--width-divisor must divide 64 (1, 2, 4, 8, 16, 32 or 64), got " + n);
            }
            b.widthDivisor(n);
        });
    }

    @Option(names = "--prototypes-per-class", paramLabel = "K",
            description = "prototypes per class and scale (scaleprotoseg) or per class (protoseg)")
    void prototypesPerClass(int k) {
        network.put("--prototypes-per-class", b -> b.prototypesPerClass(atLeast("--prototypes-per-class", k, 1)));
    }

    @Option(names = "--dim", paramLabel = "D", description = "prototype dimension (channels of each ASPP branch)")
    void dim(int d) {
        network.put("--dim", b -> b.dim(atLeast("--dim", d, 1)));
    }

    @Option(names = "--groups-per-class", paramLabel = "G", description = "groups per class (stage 2, scaleprotoseg)")
    void groupsPerClass(int g) {
        network.put("--groups-per-class", b -> b.groupsPerClass(atLeast("--groups-per-class", g, 1)));
    }

    @Option(names = "--dilations", split = ",", paramLabel = "D",
            description = "ASPP dilations, smallest first (one prototype scale each for scaleprotoseg), e.g. 6,12,18,24")
    void dilations(List<Integer> d) {
        network.put("--dilations", b -> {
            if (d.isEmpty() || d.stream().anyMatch(v -> v < 1)) {
                throw new UserError("--dilations must all be >= 1, got " + d);
            }
            b.dilations(d.stream().mapToInt(Integer::intValue).toArray());
        });
    }

    @Option(names = "--msc-scales", split = ",", paramLabel = "F",
            description = "extra input scales fused by max, e.g. 0.5,0.75 (the pascal and coco-stuff presets use them)")
    void mscScales(List<Double> f) {
        network.put("--msc-scales", b -> b.mscScales(List.copyOf(f)));
    }

    @Option(names = "--set", paramLabel = "NAME=VALUE",
            description = "any training or network setting by its configuration name (as in RUN_DIR/config.json), "
                    + "repeatable, applied last; e.g. --set lambdaL1=1e-5")
    void set(List<String> entries) {
        // picocli passes every occurrence so far, each time
        settings.clear();
        settings.addAll(entries);
    }

    /** The configuration with every option given applied to {@code base}. */
    TrainingConfig apply(TrainingConfig base) {
        TrainingConfig.Builder b = base.toBuilder();
        if (!network.isEmpty()) {
            NetworkConfig.Builder n = base.network().toBuilder();
            network.values().forEach(change -> change.accept(n));
            b.network(build(n::build));
        }
        training.values().forEach(change -> change.accept(b));
        if (stageOneOnly) {
            b.groupWarmupSteps(0).groupJointSteps(0);
        }
        return applySettings(build(b::build));
    }

    /** The configuration's own validation (cross-field rules, value ranges), as a user error. */
    private static <T> T build(Supplier<T> builder) {
        try {
            return builder.get();
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage(), e);
        }
    }

    /**
     * The {@code --set} entries, by the names of {@code config.json}: a training setting, or a
     * network one (plain or as {@code network.NAME}). Values are read by the setting's JSON type:
     * numbers, true or false, comma-separated lists for arrays, text for the rest (e.g. {@code R34},
     * {@code protoseg}).
     */
    private TrainingConfig applySettings(TrainingConfig cfg) {
        if (settings.isEmpty()) {
            return cfg;
        }
        ObjectNode tree = Checkpoint.json().valueToTree(cfg);
        ObjectNode net = (ObjectNode) tree.get("network");
        for (Map.Entry<String, String> e : TrainCommand.keyValues(settings).entrySet()) {
            String name = e.getKey();
            boolean networkOnly = name.startsWith("network.");
            String bare = networkOnly ? name.substring("network.".length()) : name;
            if (bare.equals("preset") || bare.equals("network") || bare.equals("numClasses")) {
                throw new UserError("--set " + name + ": not settable" + (bare.equals("numClasses")
                        ? " (the class count comes from the data)" : bare.equals("preset") ? "; use --preset" : ""));
            }
            ObjectNode target = !networkOnly && tree.has(bare) ? tree : net.has(bare) ? net : null;
            if (target == null) {
                throw new UserError("--set " + name + ": no such setting; training settings: " + names(tree, "preset", "network")
                        + "; network settings: " + names(net, "numClasses"));
            }
            target.set(bare, value(name, target.get(bare), e.getValue()));
        }
        try {
            return build(() -> {
                try {
                    return Checkpoint.json().treeToValue(tree, TrainingConfig.class);
                } catch (JsonProcessingException ex) {
                    throw new IllegalArgumentException(ex.getOriginalMessage(), ex);
                }
            });
        } catch (UserError ex) {
            throw new UserError("--set: " + ex.getMessage(), ex);
        }
    }

    private static JsonNode value(String name, JsonNode current, String text) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (current.isArray()) {
            ArrayNode a = f.arrayNode();
            for (String s : text.isBlank() ? new String[0] : text.split(",", -1)) {
                a.add(number(name, text, s, true));
            }
            return a;
        }
        if (current.isNumber()) {
            return number(name, text, text, false);
        }
        if (current.isBoolean()) {
            return switch (text.strip().toLowerCase(Locale.ROOT)) {
                case "true", "yes", "1" -> f.booleanNode(true);
                case "false", "no", "0" -> f.booleanNode(false);
                default -> throw new UserError("--set " + name + "=" + text + ": not true or false");
            };
        }
        return f.textNode(text.strip());
    }

    /** A JSON number from its text (integers stay integers: the record's type decides the rest). */
    private static JsonNode number(String name, String whole, String text, boolean inList) {
        JsonNode n;
        try {
            n = Checkpoint.json().readTree(text.strip());
        } catch (JsonProcessingException e) {
            n = null;
        }
        if (n == null || !n.isNumber()) {
            throw new UserError("--set " + name + "=" + whole + ": not a " + (inList ? "comma-separated list of numbers"
                    : "number"));
        }
        return n;
    }

    private static String names(ObjectNode node, String... excluded) {
        List<String> out = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext();) {
            String n = it.next();
            if (!List.of(excluded).contains(n)) {
                out.add(n);
            }
        }
        return String.join(", ", out);
    }

    private static int atLeast(String option, int value, int min) {
        if (value < min) {
            throw new UserError(option + " must be >= " + min + ", got " + value);
        }
        return value;
    }

    private static double nonNegative(String option, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new UserError(option + " must be a finite number >= 0, got " + value);
        }
        return value;
    }

    private static double positive(String option, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new UserError(option + " must be a finite number > 0, got " + value);
        }
        return value;
    }
}
