//! Every WGSL shader, compiled into the binary from shaders/*.wgsl and loaded through
//! [`Shader::module`], which labels the module after its file.
//!
//! Code several shaders share lives once in shaders/common/*.wgsl; a shader takes it with
//! a line `#include "common/NAME.wgsl"`, replaced by that file's text before WGSL sees it
//! (one level deep: common files include nothing).

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
    Density,
    Tone,
}

impl Shader {
    pub const ALL: [Shader; 12] = [
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
        Shader::Density,
        Shader::Tone,
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
            Shader::Density => "density.wgsl",
            Shader::Tone => "tone.wgsl",
        }
    }

    /// The shader's own file, before includes.
    fn file(self) -> &'static str {
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
            Shader::Density => include_str!("../../shaders/density.wgsl"),
            Shader::Tone => include_str!("../../shaders/tone.wgsl"),
        }
    }

    /// The WGSL source, with every `#include` line replaced by the common file it names.
    pub fn source(self) -> String {
        let mut source = String::with_capacity(self.file().len() + 2048);
        for line in self.file().lines() {
            match line.trim().strip_prefix("#include ") {
                Some(name) => source.push_str(common(name.trim().trim_matches('"')).unwrap_or_else(|| {
                    panic!("{}: #include {name}: no such file in shaders/common", self.file_name())
                })),
                None => {
                    source.push_str(line);
                    source.push('\n');
                }
            }
        }
        source
    }

    pub fn module(self, device: &wgpu::Device) -> wgpu::ShaderModule {
        device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some(self.file_name()),
            source: wgpu::ShaderSource::Wgsl(self.source().into()),
        })
    }
}

/// The size in bytes WGSL gives struct `name` in `shader`: the tests hold each GPU-facing
/// Rust struct to its WGSL twin with it.
#[cfg(test)]
pub fn wgsl_struct_size(shader: Shader, name: &str) -> u32 {
    let module = wgpu::naga::front::wgsl::parse_str(&shader.source()).expect("the shader parses");
    let found = module.types.iter().find(|(_, ty)| ty.name.as_deref() == Some(name));
    match found.map(|(_, ty)| &ty.inner) {
        Some(wgpu::naga::TypeInner::Struct { span, .. }) => *span,
        _ => panic!("{}: no struct {name}", shader.file_name()),
    }
}

/// A shared file of shaders/common by its name after `#include`.
fn common(name: &str) -> Option<&'static str> {
    match name {
        "common/view.wgsl" => Some(include_str!("../../shaders/common/view.wgsl")),
        "common/dispatch.wgsl" => Some(include_str!("../../shaders/common/dispatch.wgsl")),
        "common/edge_emphasis.wgsl" => Some(include_str!("../../shaders/common/edge_emphasis.wgsl")),
        "common/chunk.wgsl" => Some(include_str!("../../shaders/common/chunk.wgsl")),
        _ => None,
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
            let source = shader.source();
            let module = naga::front::wgsl::parse_str(&source)
                .unwrap_or_else(|e| panic!("{}: {}", shader.file_name(), e.emit_to_string(&source)));
            naga::valid::Validator::new(naga::valid::ValidationFlags::all(), naga::valid::Capabilities::empty())
                .validate(&module)
                .unwrap_or_else(|e| panic!("{}: {e:?}", shader.file_name()));
        }
    }
}
