import { installBoard } from './board';

installBoard('nonos');
