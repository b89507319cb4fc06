// plop's CLI and node-plop load this: the shared service generator.
import registerService from "./service-generator.cjs";

export default function plopfile(plop) {
  registerService(plop);
}
