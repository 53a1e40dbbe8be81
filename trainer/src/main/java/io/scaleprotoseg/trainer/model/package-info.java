/**
 * The network on DJL's PyTorch engine (METHOD.md 1): backbone topologies, ASPP, prototype layer,
 * last layer, their parameters and initialisation, and the CPU settings that keep its kernels
 * reproducible.
 */
package io.scaleprotoseg.trainer.model;
