package io.scaleprotoseg.trainer.data;

/**
 * One part label: part ids are 1..P (0 means "no part") and every part belongs to one class, e.g.
 * "car window" of class "car". Used by the interpretability metrics (METHOD.md 5).
 *
 * @param id the part id stored in {@link Sample#parts()}, 1..P
 * @param name a human-readable name
 * @param classId the class the part belongs to
 */
public record PartInfo(int id, String name, int classId) {
    public PartInfo {
        if (id < 1) {
            throw new IllegalArgumentException("part id " + id + ": part ids start at 1 (0 means no part)");
        }
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("part " + id + " has no name");
        }
    }
}
