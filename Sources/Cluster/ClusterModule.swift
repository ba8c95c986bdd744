/// The cluster stage: controller/agent protocol, clock offset, synchronized start, load split.
/// Filled by the distributed issue.
public enum ClusterModule {}
