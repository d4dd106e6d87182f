//! Every WGSL shader, compiled into the binary from shaders/*.wgsl and loaded through
//! [`Shader::module`], which labels the module after its file.

/// One shader file in shaders/.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shader {
    Force,
    Nodes,
    Edges,
    KHop,
    Embed,
    Umap,
    NnDescent,
    Bundle,
    Maps,
    Sweep,
}

impl Shader {
    pub const ALL: [Shader; 10] = [
        Shader::Force,
        Shader::Nodes,
        Shader::Edges,
        Shader::KHop,
        Shader::Embed,
        Shader::Umap,
        Shader::NnDescent,
        Shader::Bundle,
        Shader::Maps,
        Shader::Sweep,
    ];

    pub fn file_name(self) -> &'static str {
        match self {
            Shader::Force => "force.wgsl",
            Shader::Nodes => "nodes.wgsl",
            Shader::Edges => "edges.wgsl",
            Shader::KHop => "khop.wgsl",
            Shader::Embed => "embed.wgsl",
            Shader::Umap => "umap.wgsl",
            Shader::NnDescent => "nndescent.wgsl",
            Shader::Bundle => "bundle.wgsl",
            Shader::Maps => "maps.wgsl",
            Shader::Sweep => "sweep.wgsl",
        }
    }

    pub fn source(self) -> &'static str {
        match self {
            Shader::Force => include_str!("../../shaders/force.wgsl"),
            Shader::Nodes => include_str!("../../shaders/nodes.wgsl"),
            Shader::Edges => include_str!("../../shaders/edges.wgsl"),
            Shader::KHop => include_str!("../../shaders/khop.wgsl"),
            Shader::Embed => include_str!("../../shaders/embed.wgsl"),
            Shader::Umap => include_str!("../../shaders/umap.wgsl"),
            Shader::NnDescent => include_str!("../../shaders/nndescent.wgsl"),
            Shader::Bundle => include_str!("../../shaders/bundle.wgsl"),
            Shader::Maps => include_str!("../../shaders/maps.wgsl"),
            Shader::Sweep => include_str!("../../shaders/sweep.wgsl"),
        }
    }

    pub fn module(self, device: &wgpu::Device) -> wgpu::ShaderModule {
        device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some(self.file_name()),
            source: wgpu::ShaderSource::Wgsl(self.source().into()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wgpu::naga;

    /// Parses and validates every shader on the CPU, so a plain `cargo test` catches WGSL
    /// errors without a GPU.
    #[test]
    fn every_shader_parses_and_validates() {
        for shader in Shader::ALL {
            let module = naga::front::wgsl::parse_str(shader.source())
                .unwrap_or_else(|e| panic!("{}: {}", shader.file_name(), e.emit_to_string(shader.source())));
            naga::valid::Validator::new(naga::valid::ValidationFlags::all(), naga::valid::Capabilities::empty())
                .validate(&module)
                .unwrap_or_else(|e| panic!("{}: {e:?}", shader.file_name()));
        }
    }
}
