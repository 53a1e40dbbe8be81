package io.scaleprotoseg.trainer.phase;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scaleprotoseg.graph.network.ResNetLayout;
import io.scaleprotoseg.sdk.ModelKind;
import org.junit.jupiter.api.Test;

/** The memory model against the peaks measured on this machine (see {@link MemoryEstimate}). */
class MemoryEstimateTest {
    private static TrainingConfig resnet101(String preset, int crop, int batch) {
        TrainingConfig cfg = Presets.get(preset, ModelKind.SCALEPROTOSEG);
        return cfg.toBuilder().crop(crop).batchSize(batch).build()
                .withNetwork(cfg.network().toBuilder().numClasses(7).depth(ResNetLayout.Depth.R101).widthDivisor(1).build());
    }

    @Test
    void theEstimateIsWithinFifteenPercentOfTheMeasuredPeaks() {
        // measured with bench TrainingRunner --mode memory: ResNet-101, crop 513, batch 2 (5.92 GB) and crop 321,
        // batch 1 with the Pascal preset's input scales (3.92 GB), built-in scenes
        long big = MemoryEstimate.of(resnet101("cityscapes", 513, 2), true).peakBytes();
        long pascal = MemoryEstimate.of(resnet101("pascal", 321, 1), true).peakBytes();
        assertEquals(5.92e9, big, 0.15 * 5.92e9, MemoryEstimate.gigabytes(big));
        assertEquals(3.92e9, pascal, 0.15 * 3.92e9, MemoryEstimate.gigabytes(pascal));
    }

    @Test
    void activationsScaleWithBatchAndInputScales() {
        MemoryEstimate one = MemoryEstimate.of(resnet101("cityscapes", 321, 1), false);
        MemoryEstimate two = MemoryEstimate.of(resnet101("cityscapes", 321, 2), false);
        assertEquals(2 * one.activationElements(), two.activationElements());
        assertEquals(0, one.calibrationBytes(), "no calibration with weights");
        // scales 0.5 and 0.75 add about 0.25 + 0.56 of the full-size activations
        double ratio = (double) MemoryEstimate.of(resnet101("pascal", 321, 1), false).activationElements() / one.activationElements();
        assertTrue(ratio > 1.7 && ratio < 1.95, "multi-scale input adds " + ratio);
        // the ResNet-101 backbone with its batch norms (42.6 M) and the four ASPP branches (4.7 M)
        long backbone = MemoryEstimate.parameters(resnet101("cityscapes", 321, 1).network()) ;
        assertTrue(backbone > 47_000_000 && backbone < 48_500_000, "parameters " + backbone);
    }
}
