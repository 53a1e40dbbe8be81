package io.scaleprotoseg.samples;

import io.scaleprotoseg.graph.GeneratedImages;
import io.scaleprotoseg.graph.InferenceGraphWriter;
import io.scaleprotoseg.graph.ModelEditor;
import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.Counterfactual;
import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.GroupRef;
import io.scaleprotoseg.sdk.ModelCard;
import io.scaleprotoseg.sdk.Segmentation;
import io.scaleprotoseg.sdk.Segmenter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code edit}: disables prototypes and groups of a deployed model ({@link ModelEditor}), checks the
 * written model against the counterfactual of the original on generated images, and only then
 * puts it in place.
 */
@Command(name = "edit", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Disables prototypes or groups of an exported model and writes the edited model, whose card records the edit "
                + "(what, why, when, and the SHA-256 of the model edited; 'info' shows the history). A disabled prototype gets "
                + "weight 0 in its groups (ProtoSeg: a last-layer column of 0), a disabled group a last-layer column of 0; "
                + "nothing is renormalised, as with thresholding. Ids stay those of the card, also after earlier edits.",
            "Before it is kept, the edited model is run on generated images and must give the logits that "
                + "Segmentation.without predicts from the original's evidence (within 1e-4 x max |logit|) and the same mask.",
            ""
        },
        footer = {
            "",
            "Examples:",
            "  scaleprotoseg edit --model m.onnx --disable-prototype 17,42 --reason \"fires on the scanner's text overlay\" "
                + "--out m2.onnx",
            "  scaleprotoseg edit --model m.onnx --disable-group 5:2 --reason \"car bonnet ornament\" --out m2.onnx",
            "A group or class left without parts is refused unless --allow-empty."
        })
final class EditCommand extends CommandBase {
    /** Generated images the edited model is checked on, and their size. */
    static final int CHECK_IMAGES = 3;
    static final int CHECK_WIDTH = 96;
    static final int CHECK_HEIGHT = 72;
    /** Largest logit difference against the counterfactual, relative to the largest logit. */
    static final double BOUND = 1e-4;

    @Option(names = "--model", required = true, paramLabel = "MODEL.onnx", description = "the model to edit")
    Path model;

    @Option(names = "--disable-prototype", split = ",", paramLabel = "ID",
            description = "prototype ids to disable (the card's ids; comma-separated or repeated)")
    List<Integer> prototypes = new ArrayList<>();

    @Option(names = "--disable-group", paramLabel = "CLASS:K",
            description = "a group to disable, as class id and group index (repeatable; ScaleProtoSeg)")
    List<String> groups = new ArrayList<>();

    @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "why; recorded in the card")
    String reason;

    @Option(names = "--out", required = true, paramLabel = "MODEL.onnx", description = "the edited model to write")
    Path out;

    @Option(names = "--allow-empty", description = "accept a group or a class left without any part")
    boolean allowEmpty;

    @Option(names = "--overwrite", description = "replace --out when it exists")
    boolean overwrite;

    @Override
    int execute() throws Exception {
        if (!Files.isRegularFile(model)) {
            throw new UserError("--model " + model + ": " + (Files.isDirectory(model) ? "a directory, not a model file"
                    : "no such file"));
        }
        if (Files.isDirectory(out)) {
            throw new UserError("--out " + out + " is a directory; give a file name such as edited.onnx");
        }
        if (Files.exists(out) && Files.isSameFile(out, model)) {
            throw new UserError("--out is --model; write the edited model to a new file (the original is the edit's source)");
        }
        if (Files.exists(out) && !overwrite) {
            throw new UserError("--out " + out + " exists; pass --overwrite to replace it");
        }
        Set<GroupRef> refs = new LinkedHashSet<>();
        for (String g : groups) {
            try {
                refs.add(GroupRef.parse(g));
            } catch (IllegalArgumentException e) {
                throw new UserError("--disable-group " + e.getMessage());
            }
        }
        Set<Integer> ids = new LinkedHashSet<>(prototypes);
        ModelEditor.Edited edited = ModelEditor.edit(model, ids, refs, reason, allowEmpty);

        Path dir = out.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + out.getFileName() + ".edit-check.onnx");
        try {
            InferenceGraphWriter.writeAtomically(edited.proto(), tmp);
            String check = check(tmp, ids, refs);
            Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            var o = out();
            ModelCard.Edit e = edited.card().edits().get(edited.card().edits().size() - 1);
            o.println("edited:   " + model + " (sha256 " + e.sourceSha256().substring(0, 16) + "...)");
            o.println("disabled: " + describe(e));
            o.println("reason:   " + e.reason());
            o.println("check:    " + check);
            o.println("written:  " + out + " (edit " + edited.card().edits().size() + " in its history)");
            return 0;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** "prototypes 17, 42; groups 5:2". */
    static String describe(ModelCard.Edit e) {
        List<String> parts = new ArrayList<>();
        if (!e.prototypes().isEmpty()) {
            parts.add((e.prototypes().size() == 1 ? "prototype " : "prototypes ")
                    + String.join(", ", e.prototypes().stream().map(String::valueOf).toList()));
        }
        if (!e.groups().isEmpty()) {
            parts.add((e.groups().size() == 1 ? "group " : "groups ") + String.join(", ", e.groups()));
        }
        return String.join("; ", parts);
    }

    /**
     * Runs the original (full evidence) and the edited model on generated images; the edited
     * logits must equal the original's counterfactual within {@link #BOUND} and give the same mask.
     */
    private String check(Path edited, Set<Integer> ids, Set<GroupRef> refs) throws Exception {
        double worst = 0;
        long differing = 0;
        long pixels = 0;
        try (Segmenter a = Segmenter.builder().model(model).backend(Backend.ORT_CPU).evidence(Evidence.FULL).build();
                Segmenter b = Segmenter.builder().model(edited).backend(Backend.ORT_CPU).evidence(Evidence.NONE).build()) {
            for (int i = 0; i < CHECK_IMAGES; i++) {
                float[] img = GeneratedImages.image(CHECK_WIDTH, CHECK_HEIGHT, 1000 + i);
                Segmentation s = a.segment(img, CHECK_WIDTH, CHECK_HEIGHT);
                Counterfactual cf = s.without(ids, refs);
                Segmentation run = b.segment(img, CHECK_WIDTH, CHECK_HEIGHT);
                float[] expected = cf.logits();
                float[] got = run.logits();
                double max = 0;
                double diff = 0;
                for (int k = 0; k < expected.length; k++) {
                    max = Math.max(max, Math.abs(expected[k]));
                    diff = Math.max(diff, Math.abs(expected[k] - got[k]));
                }
                worst = Math.max(worst, max == 0 ? diff : diff / max);
                int[] m1 = cf.mask();
                int[] m2 = run.featureGrid().argmaxUpsampled(got, run.numClasses());
                for (int k = 0; k < m1.length; k++) {
                    differing += m1[k] != m2[k] ? 1 : 0;
                }
                pixels += m1.length;
            }
        }
        if (worst > BOUND || differing > 0) {
            throw new UserError(String.format(Locale.ROOT, "the edited model does not compute what the edit predicts (logit "
                    + "difference %.2e x max |logit|, bound %.0e; %d of %d mask pixels differ); nothing was written. This is a "
                    + "bug: please report it with the model", worst, BOUND, differing, pixels));
        }
        return String.format(Locale.ROOT, "%d generated images: logits equal the counterfactual of the original within "
                + "%.1e x max |logit| (bound %.0e), masks identical", CHECK_IMAGES, worst, BOUND);
    }
}
