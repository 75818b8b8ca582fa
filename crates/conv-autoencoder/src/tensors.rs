//! Reading and replacing a module's tensors by path: the basis of seeded
//! initialisation, saving and loading.

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::tensor::{Tensor, TensorData};

/// A named tensor's values in row-major order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NamedTensor {
    pub(crate) name: String,
    pub(crate) shape: Vec<usize>,
    pub(crate) values: Vec<f32>,
}

#[derive(Default)]
struct Path(Vec<String>);

impl Path {
    fn enter(&mut self, name: &str) {
        self.0.push(name.to_owned());
    }
    fn exit(&mut self) {
        self.0.pop();
    }
    fn joined(&self) -> String {
        self.0.join(".")
    }
}

/// Names and shapes of every float tensor (parameters and running
/// statistics), in visiting order, without initialising lazy parameters.
pub(crate) fn layout<M: Module>(module: &M) -> Vec<(String, Vec<usize>)> {
    struct V(Path, Vec<(String, Vec<usize>)>);
    impl ModuleVisitor for V {
        fn enter_module(&mut self, name: &str, _: &str) {
            self.0.enter(name);
        }
        fn exit_module(&mut self, _: &str, _: &str) {
            self.0.exit();
        }
        fn visit_float<const D: usize>(&mut self, p: &Param<Tensor<D>>) {
            self.1.push((self.0.joined(), p.lazy_shape().to_vec()));
        }
    }
    let mut v = V(Path::default(), Vec::new());
    module.visit(&mut v);
    v.1
}

/// Every float tensor's values, in visiting order.
pub(crate) fn read<M: Module>(module: &M) -> Vec<NamedTensor> {
    struct V(Path, Vec<NamedTensor>);
    impl ModuleVisitor for V {
        fn enter_module(&mut self, name: &str, _: &str) {
            self.0.enter(name);
        }
        fn exit_module(&mut self, _: &str, _: &str) {
            self.0.exit();
        }
        fn visit_float<const D: usize>(&mut self, p: &Param<Tensor<D>>) {
            let t = p.val();
            let shape = t.dims().to_vec();
            let values = t
                .into_data()
                .convert::<f32>()
                .try_into_vec::<f32>()
                .unwrap_or_default();
            self.1.push(NamedTensor {
                name: self.0.joined(),
                shape,
                values,
            });
        }
    }
    let mut v = V(Path::default(), Vec::new());
    module.visit(&mut v);
    v.1
}

/// Replaces every float tensor with `values(path, shape)`, keeping each
/// parameter's identity and training state. `values` must return exactly
/// `shape.iter().product()` numbers (callers check layouts first).
pub(crate) fn replace<M: Module>(
    module: M,
    values: &mut dyn FnMut(&str, &[usize]) -> Vec<f32>,
) -> M {
    struct Mp<'a>(Path, &'a mut dyn FnMut(&str, &[usize]) -> Vec<f32>);
    impl ModuleMapper for Mp<'_> {
        fn enter_module(&mut self, name: &str, _: &str) {
            self.0.enter(name);
        }
        fn exit_module(&mut self, _: &str, _: &str) {
            self.0.exit();
        }
        fn map_float<const D: usize>(&mut self, p: Param<Tensor<D>>) -> Param<Tensor<D>> {
            let shape = p.lazy_shape().to_vec();
            let data = (self.1)(&self.0.joined(), &shape);
            p.map(|old| {
                let device = old.device();
                Tensor::from_data(TensorData::new(data, shape), &device)
            })
        }
    }
    module.map(&mut Mp(Path::default(), values))
}
