package io.scaleprotoseg.samples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.scaleprotoseg.graph.InferenceGraphWriter;
import io.scaleprotoseg.graph.RandomModels;
import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.BackendUnavailableException;
import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.ModelCard;
import io.scaleprotoseg.sdk.ModelFormatException;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.sdk.Parity;
import io.scaleprotoseg.sdk.Segmenter;
import io.scaleprotoseg.sdk.spi.BackendProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

/**
 * {@code info}: a model card's summary, and with {@code --backends} which backends this host can
 * run (by actually opening a model on each).
 */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = {
            "Summarises a model card, or lists the backends this host can run.",
            "The summary: method, classes, prototypes per scale, groups, threshold, provenance (data set, steps per "
                + "phase, seed, validation mIoU, software, date) and the parity figures of the export. With "
                + "--backends: the backend providers on the class path and whether each opens a model here."
        })
final class InfoCommand extends CommandBase {
    /** The concrete backends, in the order AUTO tries them. */
    static final List<Backend> CONCRETE = List.of(Backend.TENSORRT, Backend.ORT_CUDA, Backend.ORT_CPU, Backend.ORT_TENSORRT);

    @Parameters(index = "0", arity = "0..1", paramLabel = "MODEL", description = "the exported .onnx model")
    Path model;

    @Option(names = "--backends", description = "list the backends and try to open a model on each "
            + "(MODEL when given, else a tiny built-in probe model)")
    boolean backends;

    @Option(names = "--json", description = "print the whole model card as JSON instead of the summary")
    boolean json;

    @Override
    int execute() throws Exception {
        if (model == null && !backends) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give a MODEL, --backends, or both");
        }
        if (model != null) {
            ModelCard card = ModelFiles.readCard(model, "MODEL");
            if (json) {
                ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
                out().println(mapper.writeValueAsString(mapper.readTree(card.toJson())));
            } else {
                printCard(card);
            }
        }
        if (backends) {
            if (model != null) {
                out().println();
            }
            printBackends();
        }
        return 0;
    }

    private void printCard(ModelCard card) {
        var o = out();
        o.println("model:          " + model.toAbsolutePath().normalize());
        o.println("method:         " + card.method().id() + describeMethod(card.method()));
        o.println("card format:    " + card.formatVersion());
        o.println("output stride:  " + card.outputStride());
        if (card.normalization() != null) {
            o.println("normalisation:  mean " + card.normalization().mean() + ", std " + card.normalization().std());
        }
        o.println("multi-scale:    " + (card.mscScales().isEmpty() ? "no" : "input factors " + card.mscScales()));
        o.println("ignore label:   " + card.ignoreLabel());
        o.println("classes:        " + card.numClasses());
        int nameWidth = Math.max(4, card.classes().stream().mapToInt(c -> c.name().length()).max().orElse(4));
        o.printf(Locale.ROOT, "  %4s  %-" + nameWidth + "s  %s%n", "id", "name", "colour");
        for (ModelCard.ClassInfo c : card.classes()) {
            o.printf(Locale.ROOT, "  %4d  %-" + nameWidth + "s  %s%n", c.id(), c.name(), c.color());
        }
        if (!card.method().hasPrototypes()) {
            o.println("prototypes:     none (black-box model: no evidence)");
        } else {
            printPrototypes(card, nameWidth);
        }
        o.println("threshold:      " + (card.threshold() == null ? "none" : Html.num(card.threshold())));
        printProvenance(card.provenance());
        if (!card.edits().isEmpty()) {
            o.println("edits:          " + card.edits().size() + ", oldest first");
            int n = 1;
            for (ModelCard.Edit e : card.edits()) {
                o.println("  " + n++ + ". " + e.time() + ": disabled " + EditCommand.describe(e) + "; reason: " + e.reason()
                        + "; from sha256 " + e.sourceSha256().substring(0, 16) + "...");
            }
        }
        ModelCard.Quantization q = card.quantization();
        if (q != null) {
            o.println("quantisation:   INT8 (" + q.time() + "): " + q.quantizedConvolutions() + " backbone and ASPP convolutions, "
                    + "weights " + q.weights() + ", activations " + q.activations() + "; the prototype head is FP32");
            o.println("  calibration:  " + q.method() + (q.percentile() == null ? "" : " " + q.percentile()) + " on "
                    + q.calibrationImages() + " images of " + q.calibrationData() + "; from sha256 "
                    + q.sourceSha256().substring(0, 16) + "...");
            ModelCard.Check c = q.check();
            if (c != null) {
                o.println(String.format(java.util.Locale.ROOT, "  check:        vs FP32 on the calibration images: mask "
                        + "agreement %.4f%s%s", c.maskAgreement(), c.meanIouFp32() == null ? ""
                        : String.format(java.util.Locale.ROOT, ", mIoU %.4f -> %.4f", c.meanIouFp32(), c.meanIouInt8()),
                        c.top3Agreement() == null ? "" : String.format(java.util.Locale.ROOT, ", top-3 parts unchanged on %.4f",
                                c.top3Agreement())));
            }
        }
    }

    private static String describeMethod(ModelKind kind) {
        return switch (kind) {
            case SCALEPROTOSEG -> " (multi-scale prototypes in sparse groups)";
            case PROTOSEG -> " (single-scale prototypes)";
            case DEEPLABV2 -> " (black-box baseline)";
        };
    }

    private void printPrototypes(ModelCard card, int nameWidth) {
        var o = out();
        int[] perScale = new int[card.scales().size()];
        int[] perClass = new int[card.numClasses()];
        int withPatch = 0;
        for (ModelCard.Prototype p : card.prototypes()) {
            perScale[p.scale()]++;
            perClass[p.classId()]++;
            withPatch += p.patchPng() != null ? 1 : 0;
        }
        o.println("prototypes:     " + card.prototypes().size() + (card.imported() ? " (imported: no projection sources or patch images)"
                    : " (" + withPatch + " with a patch image)"));
        o.printf(Locale.ROOT, "  %5s  %8s  %10s%n", "scale", "dilation", "prototypes");
        for (ModelCard.Scale s : card.scales()) {
            o.printf(Locale.ROOT, "  %5d  %8s  %10d%n", s.index(), s.dilation() == 0 ? "summed" : String.valueOf(s.dilation()),
                    perScale[s.index()]);
        }
        if (!card.method().hasGroups()) {
            o.println("prototypes per class:");
            for (ModelCard.ClassInfo c : card.classes()) {
                o.printf(Locale.ROOT, "  %-" + nameWidth + "s  %d%n", c.name(), perClass[c.id()]);
            }
            return;
        }
        int[] groups = new int[card.numClasses()];
        int[] members = new int[card.numClasses()];
        int totalMembers = 0;
        for (ModelCard.Group g : card.groups()) {
            groups[g.classId()]++;
            members[g.classId()] += g.members().size();
            totalMembers += g.members().size();
        }
        o.printf(Locale.ROOT, "groups:         %d, %.2f prototypes per group on average%n", card.groups().size(),
                card.groups().isEmpty() ? 0.0 : totalMembers / (double) card.groups().size());
        o.printf(Locale.ROOT, "  %-" + nameWidth + "s  %10s  %6s  %17s%n", "class", "prototypes", "groups", "prototypes/group");
        for (ModelCard.ClassInfo c : card.classes()) {
            int id = c.id();
            o.printf(Locale.ROOT, "  %-" + nameWidth + "s  %10d  %6d  %17s%n", c.name(), perClass[id], groups[id],
                    groups[id] == 0 ? "-" : String.format(Locale.ROOT, "%.2f", members[id] / (double) groups[id]));
        }
    }

    private void printProvenance(ModelCard.Provenance p) {
        var o = out();
        if (p == null) {
            o.println("provenance:     none");
            return;
        }
        o.println("provenance:");
        o.println("  dataset:        " + orDash(p.dataset()));
        o.println("  steps/phase:    " + (p.stepsPerPhase() == null || p.stepsPerPhase().isEmpty() ? "-"
                : ModelExports.orderedSteps(p.stepsPerPhase())));
        o.println("  seed:           " + orDash(p.seed()));
        o.println("  val mIoU:       " + (p.valMiou() == null ? "-" : Html.num(p.valMiou())));
        o.println("  created:        " + orDash(p.created()));
        printMap("software", p.software());
        Parity parity = Parity.fromNotes(p.notes());
        if (parity != null) {
            o.println("  parity:         " + parity.images() + " images, trainer vs ONNX Runtime at export");
            o.printf(Locale.ROOT, "    max |logit difference|  %.3g%n", parity.maxAbsLogitDifference());
            o.printf(Locale.ROOT, "    relative difference     %.3g x max |logit| (bound %.0e)%n", parity.relativeLogitDifference(),
                    Parity.RELATIVE_LOGIT_BOUND);
            o.printf(Locale.ROOT, "    identical mask pixels   %.4f%% (bound %.1f%%)%n", 100 * parity.maskAgreement(),
                    100 * Parity.MASK_AGREEMENT_BOUND);
        } else {
            o.println("  parity:         not recorded (only exports of trained runs carry a parity check)");
        }
        printMap("notes", ModelExports.otherNotes(p.notes()));
    }

    private void printMap(String title, Map<String, String> map) {
        if (map == null || map.isEmpty()) {
            out().println("  " + title + ":" + " ".repeat(Math.max(1, 16 - title.length())) + "-");
            return;
        }
        out().println("  " + title + ":");
        new TreeMap<>(map).forEach((k, v) -> out().println("    " + k + ": " + v));
    }

    private static String orDash(Object o) {
        return o == null ? "-" : o.toString();
    }

    /**
     * For each concrete backend: which provider serves it, and whether it opens here. Opening is
     * the only reliable test (a provider on the class path may still lack its native libraries or
     * its GPU), so a model is opened on each; without a MODEL, a tiny random DeepLabv2 probe model
     * is written to a temporary file.
     */
    private void printBackends() throws IOException, ModelFormatException {
        Map<Backend, BackendProvider> providers = new EnumMap<>(Backend.class);
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class, InfoCommand.class.getClassLoader())) {
            for (Backend b : p.backends()) {
                providers.putIfAbsent(b, p);
            }
        }
        Path probe = model;
        Path tempDir = null;
        if (probe == null) {
            tempDir = Files.createTempDirectory("scaleprotoseg-probe");
            probe = tempDir.resolve("probe.onnx");
            InferenceGraphWriter.write(RandomModels.build(RandomModels.Spec.small(ModelKind.DEEPLABV2, 1)), probe);
        }
        try {
            out().println(CliFlavour.describe());
            out().println("backends (auto tries the first three in this order; ort-tensorrt only when asked for), probed with "
                    + (model == null ? "a tiny built-in model" : model.toString()) + ":");
            List<Backend> usable = new ArrayList<>();
            for (Backend b : CONCRETE) {
                BackendProvider p = providers.get(b);
                if (p == null) {
                    out().printf(Locale.ROOT, "  %-12s  no provider on the class path%s%n", b.cliName(),
                            CliFlavour.missingFor(b) == null ? "" : " (the CPU flavour leaves it out)");
                    continue;
                }
                String status;
                try (Segmenter seg = Segmenter.builder().model(probe).backend(b).evidence(Evidence.NONE)
                        .option("trt.max_shape", "1x3x64x64").option("trt.builder_optimization_level", "0").build()) {
                    status = "available: " + seg.backendInfo().description();
                    usable.add(b);
                } catch (BackendUnavailableException e) {
                    status = "unavailable: " + e.getMessage();
                }
                out().printf(Locale.ROOT, "  %-12s  provider %s; %s%n", b.cliName(), p.artifact(), status);
            }
            Backend auto = usable.stream().filter(b -> b != Backend.ORT_TENSORRT).findFirst().orElse(null);
            out().println("auto picks: " + (auto == null ? "nothing (no backend can run here)" : auto.cliName()));
        } finally {
            if (tempDir != null) {
                Files.deleteIfExists(probe);
                Files.deleteIfExists(tempDir);
            }
        }
    }
}
