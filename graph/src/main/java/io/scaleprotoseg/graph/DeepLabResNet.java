package io.scaleprotoseg.graph;

import io.scaleprotoseg.graph.network.BackboneOp;
import io.scaleprotoseg.graph.network.ResNetLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Graph-writer layers for a backbone topology described by the trainer ({@link BackboneOp}),
 * with the weights looked up by parameter name; in particular the DeepLabv2 ResNets of
 * {@link ResNetLayout} by their torchvision keys ({@code conv1.weight}, {@code bn1.running_mean},
 * {@code layer3.7.conv2.weight}, {@code layer1.0.downsample.0.weight}, ...). The trained network
 * and the exported graph therefore come from one description.
 */
public final class DeepLabResNet {
    private DeepLabResNet() {
    }

    /** Supplies a tensor for a parameter name with the shape the layout expects. */
    @FunctionalInterface
    public interface WeightSource {
        FloatTensor tensor(String key, int... shape);
    }

    /** The layers of a DeepLabv2 ResNet with channels divided by {@code widthDivisor}. */
    public static List<Layer> layers(ResNetLayout.Depth depth, WeightSource w, int widthDivisor) {
        return layers(ResNetLayout.ops(depth, widthDivisor), w);
    }

    /** Output channels of a DeepLabv2 ResNet. */
    public static int outChannels(ResNetLayout.Depth depth, int widthDivisor) {
        return ResNetLayout.outChannels(depth, widthDivisor);
    }

    /** The layers of any trainer backbone topology. */
    public static List<Layer> layers(List<BackboneOp> ops, WeightSource w) {
        List<Layer> out = new ArrayList<>();
        for (BackboneOp op : ops) {
            if (op instanceof BackboneOp.Conv c) {
                out.add(conv(w, c));
            } else if (op instanceof BackboneOp.Save s) {
                out.add(new Layer.Save(s.slot()));
            } else if (op instanceof BackboneOp.UpsampleConcat u) {
                out.add(new Layer.UpsampleConcat(u.slot()));
            } else if (op instanceof BackboneOp.MaxPool p) {
                out.add(new Layer.MaxPool(p.kernel(), p.stride(), p.padding(), p.ceilMode()));
            } else if (op instanceof BackboneOp.Residual r) {
                out.add(new Layer.Residual(layers(r.body(), w), layers(r.shortcut(), w), r.relu()));
            }
        }
        return out;
    }

    private static Layer.Conv conv(WeightSource w, BackboneOp.Conv c) {
        FloatTensor weight = w.tensor(c.name() + ".weight", c.out(), c.in(), c.kernel(), c.kernel());
        FloatTensor bias = c.bias() ? w.tensor(c.name() + ".bias", c.out()) : null;
        Layer.BatchNorm bn = null;
        if (c.bn() != null) {
            String b = c.bn();
            bn = new Layer.BatchNorm(w.tensor(b + ".weight", c.out()).data(), w.tensor(b + ".bias", c.out()).data(),
                    w.tensor(b + ".running_mean", c.out()).data(), w.tensor(b + ".running_var", c.out()).data(), 1e-5);
        }
        return new Layer.Conv(weight, bias, c.stride(), c.padding(), c.dilation(), bn, c.relu());
    }
}
