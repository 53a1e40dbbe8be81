package io.scaleprotoseg.samples;

import io.scaleprotoseg.sdk.ModelCard;
import io.scaleprotoseg.sdk.ModelFormatException;
import io.scaleprotoseg.trainer.checkpoint.CheckpointState;
import io.scaleprotoseg.trainer.phase.TrainingConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What {@code export}, {@code info} and {@code demo} share about exported models: the card's
 * prototype and group counts, and whether a model file is the export of a given checkpoint (so
 * that {@code demo} does not export it again).
 */
final class ModelExports {
    /** The note naming the checkpoint file an export came from (CheckpointConverter). */
    static final String CHECKPOINT_NOTE = "checkpoint";

    /** The steps-per-phase keys of the card in the order the phases run. */
    static final List<String> PHASE_ORDER = List.of("warmup", "joint", "finetune", "groupWarmup", "groupJoint");

    private ModelExports() {
    }

    /** The steps per phase in phase order (unknown keys last). */
    static Map<String, Integer> orderedSteps(Map<String, Integer> steps) {
        Map<String, Integer> out = new LinkedHashMap<>();
        if (steps == null) {
            return out;
        }
        for (String k : PHASE_ORDER) {
            if (steps.containsKey(k)) {
                out.put(k, steps.get(k));
            }
        }
        steps.keySet().stream().filter(k -> !out.containsKey(k)).sorted().forEach(k -> out.put(k, steps.get(k)));
        return out;
    }

    /** Total prototype memberships over the groups / groups, or NaN without groups. */
    static double prototypesPerGroup(ModelCard card) {
        if (card.groups().isEmpty()) {
            return Double.NaN;
        }
        int members = 0;
        for (ModelCard.Group g : card.groups()) {
            members += g.members().size();
        }
        return members / (double) card.groups().size();
    }

    /**
     * Why {@code model} is not the export of {@code checkpoint}, or null when it is: the card names
     * the checkpoint file, carries parity figures, its provenance (data set, steps per phase, seed,
     * validation mIoU) matches the checkpoint's state, and it was created after the checkpoint was
     * written.
     *
     * @param state the checkpoint's state ({@link RunFiles#state})
     */
    static String staleReason(Path model, Path checkpoint, CheckpointState state) {
        if (!Files.isRegularFile(model)) {
            return "no model file yet";
        }
        ModelCard card;
        try {
            card = ModelCard.read(model);
        } catch (ModelFormatException e) {
            return "the model file cannot be read (" + e.getMessage() + ")";
        }
        ModelCard.Provenance p = card.provenance();
        if (p == null || p.notes() == null) {
            return "the card has no provenance";
        }
        if (card.parity() == null) {
            return "the card has no parity figures";
        }
        if (!Objects.equals(p.notes().get(CHECKPOINT_NOTE), checkpoint.getFileName().toString())) {
            return "it was exported from " + p.notes().get(CHECKPOINT_NOTE) + ", not " + checkpoint.getFileName();
        }
        if (state == null) {
            return "the checkpoint's state cannot be read";
        }
        if (!Objects.equals(p.dataset(), String.valueOf(state.dataset()))) {
            return "it was trained on " + p.dataset() + ", the checkpoint on " + state.dataset();
        }
        TrainingConfig cfg = state.config();
        if (cfg == null || !Objects.equals(p.seed(), cfg.seed())) {
            return "another seed";
        }
        Map<String, Integer> steps = p.stepsPerPhase() == null ? Map.of() : p.stepsPerPhase();
        if (!Objects.equals(steps.get("warmup"), cfg.warmupSteps()) || !Objects.equals(steps.get("joint"), cfg.jointSteps())) {
            return "other step counts";
        }
        Double miou = state.lastValidation() == null ? null : state.lastValidation().valMiou();
        if (!Objects.equals(miou, p.valMiou())) {
            return "another validation mIoU (" + p.valMiou() + " vs " + miou + ")";
        }
        try {
            Instant created = Instant.parse(p.created());
            Instant written = Files.getLastModifiedTime(checkpoint).toInstant();
            if (created.isBefore(written)) {
                return "the checkpoint was written after the export";
            }
        } catch (DateTimeParseException | NullPointerException | IOException e) {
            return "the export's date cannot be read";
        }
        return null;
    }

    /** The provenance notes other than the parity figures, for listing. */
    static Map<String, String> otherNotes(Map<String, String> notes) {
        Map<String, String> out = new LinkedHashMap<>();
        if (notes != null) {
            List<String> keys = new ArrayList<>(notes.keySet());
            keys.sort(null);
            for (String k : keys) {
                if (!k.startsWith("parity.")) {
                    out.put(k, notes.get(k));
                }
            }
        }
        return out;
    }
}
