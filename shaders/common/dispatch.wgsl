// The invocation a compute thread stands for when a dispatch spreads its workgroups over
// two dimensions (more than 65535 workgroups): x runs fastest. Each shader that includes
// it declares its workgroup size WG.

fn flat_index(gid: vec3<u32>, groups: vec3<u32>) -> u32 {
    return gid.x + gid.y * groups.x * WG;
}
