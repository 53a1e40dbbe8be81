package io.scaleprotoseg.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CPU flavour of the command line (the default build; these tests see its class path): no GPU
 * jar, and every GPU backend or command a usage error that says how to build the GPU flavour.
 */
class CpuFlavourTest {
    @TempDir
    static Path dir;
    static Path model;

    @BeforeAll
    static void writeModel() throws IOException {
        model = TestModels.colourModel(dir);
    }

    private static void assumeCpuFlavour() {
        assumeTrue(!CliFlavour.hasOrtGpuBuild() && !CliFlavour.hasTensorRtRuntime(), "built with -Pgpu");
    }

    @Test
    void theClassPathHoldsNeitherTheGpuBuildNorTheTensorRtRuntime() {
        assumeCpuFlavour();
        assertFalse(CliFlavour.hasOrtGpuBuild());
        assertFalse(CliFlavour.hasTensorRtRuntime());
        assertTrue(CliFlavour.describe().startsWith("command line: CPU flavour"), CliFlavour.describe());
    }

    @Test
    void gpuBackendsAreUsageErrorsNamingTheGpuFlavourBuild() {
        assumeCpuFlavour();
        for (String backend : new String[] {"tensorrt", "ort-cuda", "ort-tensorrt"}) {
            Cli.Result r = Cli.run("segment", "--model", model, "--input", model, "--out", dir.resolve("out-" + backend),
                    "--backend", backend);
            assertEquals(CommandBase.USER_ERROR, r.exit(), r::toString);
            assertTrue(r.err().contains("--backend " + backend + " needs "), r::toString);
            assertTrue(r.err().contains("the CPU flavour, leaves out; build the GPU flavour: " + CliFlavour.GPU_BUILD),
                    r::toString);
        }
    }

    @Test
    void trtBuildSaysItNeedsTheGpuFlavour() {
        assumeCpuFlavour();
        Cli.Result r = Cli.run("trt-build", "--model", model, "--precision", "fp16", "--cache", dir.resolve("engines"));
        assertEquals(CommandBase.USER_ERROR, r.exit(), r::toString);
        assertTrue(r.err().contains("trt-build needs the TensorRT runtime"), r::toString);
        assertTrue(r.err().contains(CliFlavour.GPU_BUILD), r::toString);
    }

    @Test
    void infoBackendsNamesTheFlavour() {
        assumeCpuFlavour();
        Cli.Result r = Cli.run("info", "--backends");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("command line: CPU flavour"), r::toString);
        assertTrue(r.out().contains("no provider on the class path (the CPU flavour leaves it out)"), r::toString);
        assertTrue(r.out().contains("auto picks: ort-cpu"), r::toString);
    }

    @Test
    void aBadPrecisionIsStillAUsageError() {
        assertEquals(2, Cli.run("trt-build", "--model", model, "--precision", "fp8").exit());
    }
}
