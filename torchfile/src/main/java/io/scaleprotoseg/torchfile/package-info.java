/**
 * Reading PyTorch's serialisation formats in plain Java, executing nothing: {@link
 * io.scaleprotoseg.torchfile.TorchFile} opens a {@code torch.save} file (zip or legacy), {@link
 * io.scaleprotoseg.torchfile.TorchTensor} reads a tensor's values, {@link
 * io.scaleprotoseg.torchfile.ModuleTree} flattens a pickled module, and {@link
 * io.scaleprotoseg.torchfile.TorchFileWriter} writes such files (for tests and benchmarks).
 */
package io.scaleprotoseg.torchfile;
