import { installBoard } from './board';

installBoard('esp-at');
