package io.scaleprotoseg.trainer.model;

import io.scaleprotoseg.graph.network.BackboneOp;
import io.scaleprotoseg.graph.network.NetworkConfig;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.trainer.random.SeedStreams;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Creates the parameters of a network with their initial values (METHOD.md 1), computed in Java
 * from the seed and the parameter's name: the same seed gives the same network whatever the
 * engine or thread count, and adding a parameter does not shift the others' values.
 */
public final class Initialization {
    private Initialization() {
    }

    /** A random stream for one parameter, keyed by the run seed and the parameter's name. */
    static SplittableRandom stream(long seed, String name) {
        return SeedStreams.stream(seed, "init:" + name);
    }

    static double gaussian(SplittableRandom r) {
        double u = 1 - r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble());
    }

    /**
     * Adds every parameter of {@code config} to {@code params}: backbone convs He-normal (fan-out,
     * as torchvision), frozen batch norm as the identity (gamma 1, beta 0, mean 0, var 1) until
     * ImageNet weights are loaded, ASPP N(0, 0.01) with zero bias, prototypes U[0, 1), the last
     * layer 1 for the prototype's class and -0.5 elsewhere.
     */
    public static void create(NetworkConfig config, ParameterSet params, long seed) {
        for (BackboneOp.Conv c : BackboneOp.convs(config.backbone())) {
            String w = "backbone." + c.name() + ".weight";
            SplittableRandom r = stream(seed, w);
            float[] data = new float[c.out() * c.in() * c.kernel() * c.kernel()];
            double std = Math.sqrt(2.0 / (c.out() * c.kernel() * c.kernel()));
            for (int i = 0; i < data.length; i++) {
                data[i] = (float) (gaussian(r) * std);
            }
            params.add(w, ParamGroup.BACKBONE, data, c.out(), c.in(), c.kernel(), c.kernel());
            if (c.bias()) {
                params.add("backbone." + c.name() + ".bias", ParamGroup.BACKBONE, new float[c.out()], c.out());
            }
            if (c.bn() != null) {
                String b = "backbone." + c.bn();
                params.add(b + ".weight", ParamGroup.FROZEN_BN, filled(c.out(), 1f), c.out());
                params.add(b + ".bias", ParamGroup.FROZEN_BN, new float[c.out()], c.out());
                params.add(b + ".running_mean", ParamGroup.FROZEN_BN, new float[c.out()], c.out());
                params.add(b + ".running_var", ParamGroup.FROZEN_BN, filled(c.out(), 1f), c.out());
            }
        }
        int in = config.backboneChannels();
        int out = config.branchChannels();
        for (int s = 0; s < config.dilations().length; s++) {
            String w = "aspp." + s + ".weight";
            SplittableRandom r = stream(seed, w);
            float[] data = new float[out * in * 9];
            for (int i = 0; i < data.length; i++) {
                data[i] = (float) (gaussian(r) * 0.01);
            }
            params.add(w, ParamGroup.ASPP_WEIGHT, data, out, in, 3, 3);
            params.add("aspp." + s + ".bias", ParamGroup.ASPP_BIAS, new float[out], out);
        }
        if (config.method() == ModelKind.DEEPLABV2) {
            return;
        }
        int p = config.numPrototypes();
        SplittableRandom r = stream(seed, "prototypes");
        float[] protos = new float[p * config.dim()];
        for (int i = 0; i < protos.length; i++) {
            protos[i] = (float) r.nextDouble();
        }
        params.add("prototypes", ParamGroup.PROTOTYPES, protos, p, config.dim());
        params.add("last_layer", ParamGroup.LAST_LAYER, classIdentity(config), config.numClasses(), p);
    }

    /** W[c, j] = 1 when prototype j belongs to class c, else -0.5 (METHOD.md 1.4). */
    public static float[] classIdentity(NetworkConfig config) {
        int c = config.numClasses();
        int p = config.numPrototypes();
        float[] w = new float[c * p];
        for (int cls = 0; cls < c; cls++) {
            for (int j = 0; j < p; j++) {
                w[cls * p + j] = config.classOf(j) == cls ? 1f : -0.5f;
            }
        }
        return w;
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        Arrays.fill(a, v);
        return a;
    }
}
