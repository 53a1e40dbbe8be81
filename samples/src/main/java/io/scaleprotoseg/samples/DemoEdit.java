package io.scaleprotoseg.samples;

import io.scaleprotoseg.graph.InferenceGraphWriter;
import io.scaleprotoseg.graph.ModelEditor;
import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.Counterfactual;
import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.ModelCard;
import io.scaleprotoseg.sdk.PartAudit;
import io.scaleprotoseg.sdk.PixelExplanation;
import io.scaleprotoseg.sdk.Segmentation;
import io.scaleprotoseg.sdk.Segmenter;
import io.scaleprotoseg.trainer.data.Sample;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * The demo's editing step: the audit of the ScaleProtoSeg model on the test split, its least
 * decisive prototype of the class with the most prototypes disabled with {@link ModelEditor}, the
 * edited model evaluated through the SDK, and one pixel explained before and after.
 *
 * @param prototypeId the disabled prototype
 * @param classId its class
 * @param decisivePixels test pixels where it was decisive (the audit): the pixels the edit changes
 * @param predictedChange the mIoU change the audit predicts
 * @param miouBefore test mIoU of the model
 * @param miouAfter test mIoU of the edited model, measured through the SDK
 * @param edited the edited model file
 * @param imageId the explained pixel's image
 * @param before its explanation by the model
 * @param after its explanation by the edited model
 * @param patchPng the prototype's patch (base64 PNG) or null
 */
record DemoEdit(int prototypeId, int classId, long decisivePixels, double predictedChange, double miouBefore, double miouAfter,
        Path edited, String imageId, PixelExplanation before, PixelExplanation after, String patchPng) {

    /**
     * Runs the step.
     *
     * @param results the model's full-evidence results on the test split, in order
     * @param test the test images
     */
    static DemoEdit run(Path model, ModelCard card, List<Segmentation> results, List<DemoEvaluation.TestImage> test,
            double miouBefore, int threads, int ignoreLabel, Path editedFile) throws Exception {
        PartAudit audit = new PartAudit(card);
        for (int i = 0; i < results.size(); i++) {
            audit.add(results.get(i), test.get(i).sample().labels());
        }
        List<PartAudit.Part> parts = audit.parts();
        int cls = -1;
        long most = 0;
        for (ModelCard.ClassInfo c : card.classes()) {
            long n = card.prototypes().stream().filter(p -> p.classId() == c.id()).count();
            if (n > most) {
                most = n;
                cls = c.id();
            }
        }
        int target = cls;
        List<PartAudit.Part> candidates = new ArrayList<>(parts.stream().filter(p -> p.group() == null && p.classId() == target)
                .toList());
        candidates.sort(Comparator.comparingLong(PartAudit.Part::decisiveTotal)
                .thenComparingDouble(p -> Math.abs(p.miouChange())));
        for (PartAudit.Part p : candidates) {
            ModelEditor.Edited e;
            try {
                e = ModelEditor.edit(model, Set.of(p.prototypeId()), Set.of(), "demo: the least decisive prototype of "
                        + card.className(target) + " on the test split (audit)", false);
            } catch (ModelEditor.EditException refused) {
                continue; // it is its group's last member: try the next
            }
            InferenceGraphWriter.writeAtomically(e.proto(), editedFile);
            double after = DemoEvaluation.evaluate("scaleprotoseg-edited", editedFile, test, threads, ignoreLabel, null).meanIou();
            // the pixel: the first whose class the edit changes (the audit counted them), else the centre of the
            // prototype's strongest activation
            int image = -1;
            int px = -1;
            int py = -1;
            for (int i = 0; i < results.size() && image < 0 && p.decisiveTotal() > 0; i++) {
                Counterfactual cf = results.get(i).without(Set.of(p.prototypeId()), Set.of());
                int[] m = cf.mask();
                int[] o = cf.originalMask();
                for (int k = 0; k < m.length && image < 0; k++) {
                    if (m[k] != o[k]) {
                        image = i;
                        px = k % results.get(i).width();
                        py = k / results.get(i).width();
                    }
                }
            }
            if (image < 0) {
                PartAudit.Activation a = p.strongest().get(0);
                image = a.image();
                Segmentation s = results.get(image);
                px = (int) Math.min(s.width() - 1, Math.floor(s.featureGrid().centreX(a.column())));
                py = (int) Math.min(s.height() - 1, Math.floor(s.featureGrid().centreY(a.row())));
            }
            Segmentation s = results.get(image);
            PixelExplanation before = s.explain(px, py, s.classAt(px, py));
            Sample sample = test.get(image).sample();
            PixelExplanation afterExplained;
            try (Segmenter seg = Segmenter.builder().model(editedFile).backend(Backend.ORT_CPU).evidence(Evidence.FULL)
                    .intraOpThreads(threads).build()) {
                Segmentation r = seg.segment(sample.image(), sample.width(), sample.height());
                afterExplained = r.explain(px, py, r.classAt(px, py));
            }
            String patch = card.prototypes().stream().filter(q -> q.id() == p.prototypeId()).findFirst().orElseThrow().patchPng();
            return new DemoEdit(p.prototypeId(), target, p.decisiveTotal(), p.miouChange(), miouBefore, after, editedFile,
                    sample.id(), before, afterExplained, patch);
        }
        return null;
    }
}
